import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { paths } from '../../sandbox/project-paths';
import { requireChromium } from '../harness/chromium';

/** Where the browser tests leave their screenshots (ignored by git; CI keeps it as an artifact). */
export const BROWSER_ARTIFACTS_DIR = path.join(paths.root, 'test-artifacts', 'browser');

/** The Web UI renders from API calls; on a loaded machine it takes a while. */
const UI_TIMEOUT_MS = 60_000;

export interface WebUiSession {
  browser: Browser;
  page: Page;
  /** Saves a full-page screenshot named after the step; returns its path. */
  screenshot(step: string): Promise<string>;
}

/** Headless Debian Chromium (never a downloaded browser), one page, screenshots numbered by step. */
export async function openWebUi(testName: string): Promise<WebUiSession> {
  const browser = await chromium.launch({ executablePath: requireChromium(), headless: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  trackRequestsInFlight(page);
  const dir = path.join(BROWSER_ARTIFACTS_DIR, testName);
  mkdirSync(dir, { recursive: true });
  let step = 0;
  return {
    browser,
    page,
    screenshot: async (name: string) => {
      step++;
      const file = path.join(dir, `${String(step).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`# screenshot: ${file}`);
      return file;
    },
  };
}

const requestsInFlight = new WeakMap<Page, Map<Request, number>>();

/** Keeps the page's unanswered requests, so a step that hangs can say what it waits for. */
function trackRequestsInFlight(page: Page): void {
  const open = new Map<Request, number>();
  requestsInFlight.set(page, open);
  page.on('request', (request) => open.set(request, Date.now()));
  page.on('requestfinished', (request) => open.delete(request));
  page.on('requestfailed', (request) => open.delete(request));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      console.log(`# Web UI console ${message.type()}: ${message.text().slice(0, 300)}`);
    }
  });
  page.on('pageerror', (error) => console.log(`# Web UI page error: ${error.message.slice(0, 300)}`));
}

/** The page's unanswered requests, oldest first, as "METHOD /path (age s)". */
function unansweredRequests(page: Page): string[] {
  const open = requestsInFlight.get(page) ?? new Map<Request, number>();
  return [...open.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([request, since]) => {
      const url = new URL(request.url());
      return `${request.method()} ${url.pathname} (${Math.round((Date.now() - since) / 1000)} s)`;
    });
}

/**
 * Opens the workflows list filtered by `query` and waits until it lists `workflowId`. The list
 * reads visibility, which lags behind the workflow: it reloads until the workflow shows.
 */
export async function showWorkflowList(
  page: Page,
  uiUrl: string,
  namespace: string,
  query: string,
  workflowId: string,
): Promise<void> {
  const listUrl = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
  const link = workflowLink(page, workflowId);
  const deadline = Date.now() + 2 * UI_TIMEOUT_MS;
  await page.goto(listUrl);
  for (;;) {
    // A reload sooner than this interrupts the list while it still loads on a busy machine.
    const listed = await link
      .waitFor({ state: 'visible', timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    if (listed) return;
    if (Date.now() > deadline) {
      throw new Error(`the Web UI does not list ${workflowId} for the query ${query} at ${listUrl}`);
    }
    await page.reload();
  }
}

/** Opens a workflow the list page shows. */
export async function openListedWorkflow(page: Page, workflowId: string): Promise<void> {
  await workflowLink(page, workflowId).click();
  await page.waitForURL(`**/workflows/${encodeURIComponent(workflowId)}/**`);
  await page.getByTestId('execution-status').first().waitFor({ state: 'visible' });
}

function workflowLink(page: Page, workflowId: string) {
  return page.getByRole('link', { name: workflowId, exact: true }).first();
}

/** How long Submit may spin before the dialog is cancelled and the signal sent again. */
const SIGNAL_SUBMIT_WAIT_MS = 45_000;

/**
 * More Actions → Send a Signal: picks the signal by name, types the JSON into the Data editor and
 * submits. If the dialog still spins after SIGNAL_SUBMIT_WAIT_MS, it does what a person would:
 * Cancel, and send once more (the Web UI's request has been seen to hang under a loaded full run,
 * with no answer and no error). Every signal the test sends is judged by the workflow, so a
 * repeat is harmless: a refused payload is refused again, an approval counts once per approver.
 * A workflow found closed after the reload took the first attempt's signal: nothing is resent.
 * The log line and the error name the page's unanswered requests.
 */
export async function sendSignalFromUi(page: Page, signalName: string, json: string): Promise<void> {
  const hung: string[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const dialog = await fillSignalDialog(page, signalName, json);
    await dialog.getByTestId('confirm-modal-button').click();
    const closed = await dialog
      .waitFor({ state: 'hidden', timeout: SIGNAL_SUBMIT_WAIT_MS })
      .then(() => true)
      .catch(() => false);
    if (closed) {
      if (hung.length > 0) console.log(`# Send a Signal closed on attempt ${attempt}`);
      return;
    }
    const shown = (await dialog.getByRole('alert').allTextContents()).filter((t) => t.trim() !== '');
    const waiting = unansweredRequests(page);
    hung.push(
      `attempt ${attempt}: ${shown.length > 0 ? `the dialog shows ${shown.join('; ')}; ` : ''}` +
        `the page waits for ${waiting.length > 0 ? waiting.join(', ') : 'no API request'}`,
    );
    console.log(`# Send a Signal did not close after Submit (${hung[hung.length - 1]})`);
    // Cancel is disabled while Submit spins: reload the workflow page instead.
    await page.reload();
    await page.getByTestId('execution-status').first().waitFor({ state: 'visible' });
    // The spinning dialog may have sent its signal (its request answered, as seen in a CI run):
    // a workflow the signal closed takes no other, and the caller checks what the signal did.
    const status = await executionStatus(page);
    if (status !== 'Running') {
      console.log(`# after attempt ${attempt} the workflow is ${status}: the signal had been delivered`);
      return;
    }
  }
  throw new Error(`the Send a Signal dialog did not close after Submit, twice: ${hung.join(' | ')}`);
}

async function fillSignalDialog(page: Page, signalName: string, json: string) {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
  await dialog.getByTestId('signal-select-button').click();
  // Each option shows the signal's name, then the description the workflow gives it.
  await dialog.getByRole('option', { name: new RegExp(`^${signalName}(\\s|$)`) }).click();
  // The Data box is CodeMirror: it keeps the previous signal's input, so empty it before typing.
  const editor = dialog.getByRole('textbox', { name: 'Data' });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(json);
  // Leaving the editor pretty-prints the JSON and grows the dialog: do it before aiming at Submit.
  await editor.blur();
  return dialog;
}

/**
 * Runs the open workflow's `status` query (the Queries tab's default) and returns its answer as
 * the UI shows it. Unformatted, the answer is one line, which CodeMirror renders whole (it leaves
 * out the lines of a long document that are far from view).
 */
export async function runStatusQueryInUi(page: Page): Promise<unknown> {
  await page.getByRole('tab', { name: 'Queries' }).click();
  await page.getByRole('button', { name: 'Run Query' }).click();
  const formatting = page.getByRole('switch', { name: 'JSON Formatting' });
  if (await formatting.isChecked()) {
    // The switch's own label lies over it and takes the click.
    await page.getByText('JSON Formatting', { exact: true }).click();
  }
  const answer = page.locator('.cm-content').filter({ hasText: '"phase":' }).first();
  await answer.waitFor({ state: 'visible' });
  const text = (await answer.textContent()) ?? '';
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the Queries tab shows an answer that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** The status badge of the open workflow page, e.g. Running or Completed (as written, not as styled). */
export async function executionStatus(page: Page): Promise<string> {
  return ((await page.getByTestId('execution-status').first().textContent()) ?? '').trim();
}

/** Waits until the open workflow page shows `status`, reloading if its auto-refresh lags. */
export async function waitForExecutionStatus(
  page: Page,
  status: string,
  timeoutMs = 3 * 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let shown = await executionStatus(page);
  for (let poll = 1; shown.toLowerCase() !== status.toLowerCase(); poll++) {
    if (Date.now() > deadline) {
      throw new Error(`the Web UI still shows the workflow as ${shown}, not ${status}`);
    }
    await delay(2000);
    if (poll % 5 === 0) await page.reload();
    shown = await executionStatus(page);
  }
}
