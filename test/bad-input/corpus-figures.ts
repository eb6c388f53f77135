import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { BAD_INPUT_FIGURES_FILE, FIGURES_FILE, writeReliabilityDoc } from '../chaos/reliability-doc';
import type { BadInputFigures, ChaosFigures } from '../support/chaos/chaos-figures';
import { CATEGORIES, type Category } from './corpus-case';

/** Counts, per category, the cases sent and those refused as expected (every check passed). */
export class CorpusTally {
  private readonly counts = new Map<Category, { refused: number; total: number }>(
    CATEGORIES.map((category) => [category, { refused: 0, total: 0 }]),
  );

  /** Runs one case's checks and counts it: refused when they all pass. */
  async count(category: Category, checks: () => Promise<void>): Promise<void> {
    const entry = this.counts.get(category)!;
    entry.total++;
    await checks();
    entry.refused++;
  }

  figures(): BadInputFigures {
    const byCategory = CATEGORIES.map((category) => ({ category, ...this.counts.get(category)! }));
    return {
      refused: byCategory.reduce((sum, c) => sum + c.refused, 0),
      total: byCategory.reduce((sum, c) => sum + c.total, 0),
      byCategory,
      measuredAt: new Date().toISOString(),
    };
  }

  /** The lines the test prints: one per category, then the total. */
  summary(): string[] {
    const figures = this.figures();
    return [
      ...(figures.byCategory ?? []).map((c) => `${c.category}: ${c.refused} of ${c.total} refused`),
      `bad inputs refused: ${figures.refused} of ${figures.total}`,
    ];
  }
}

/**
 * Writes docs/bad-input-figures.json from a run, and docs/reliability.md again with it (from the
 * chaos figures already there). Only the test calls this, so the figures are never typed by hand.
 */
export async function writeBadInputFigures(figures: BadInputFigures): Promise<void> {
  const text = JSON.stringify(figures, null, 2);
  writeFileSync(
    BAD_INPUT_FIGURES_FILE,
    await format(text, {
      ...(await resolveConfig(BAD_INPUT_FIGURES_FILE)),
      filepath: BAD_INPUT_FIGURES_FILE,
    }),
  );
  if (existsSync(FIGURES_FILE))
    await writeReliabilityDoc(JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as ChaosFigures);
}
