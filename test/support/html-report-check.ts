import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import type { Locator, Page } from 'playwright-core';

async function isDrawn(element: Locator): Promise<boolean> {
  const box = await element.boundingBox();
  return box !== null && box.width > 0 && box.height > 0;
}

/**
 * Opens an HTML report file and checks that it renders: an inline `<svg>` chart whose bars
 * (`rect`) are drawn, and tables whose rows are visible. Written against that generic shape,
 * not against one report's markup.
 */
export async function checkHtmlReportRenders(page: Page, reportPath: string): Promise<void> {
  await page.goto(pathToFileURL(reportPath).href);

  const chart = page
    .locator('svg')
    .filter({ has: page.locator('rect') })
    .first();
  await chart.waitFor({ state: 'visible' });
  const bars = chart.locator('rect');
  const barCount = await bars.count();
  let drawnBars = 0;
  for (let i = 0; i < barCount; i++) if (await isDrawn(bars.nth(i))) drawnBars++;
  assert.ok(drawnBars > 0, `the report's chart draws no bar (${barCount} rect elements, none visible)`);

  const tables = page.locator('table');
  const tableCount = await tables.count();
  assert.ok(tableCount > 0, 'the report has no table');
  for (let t = 0; t < tableCount; t++) {
    const table = tables.nth(t);
    await table.scrollIntoViewIfNeeded();
    assert.ok(await table.isVisible(), `table ${t + 1} of the report is not visible`);
    const rows = table.locator('tr').filter({ has: page.locator('td') });
    const rowCount = await rows.count();
    let visibleRows = 0;
    for (let r = 0; r < rowCount; r++) if (await rows.nth(r).isVisible()) visibleRows++;
    assert.ok(visibleRows > 0, `table ${t + 1} of the report shows no data row (${rowCount} in the markup)`);
  }
}
