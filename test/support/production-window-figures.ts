import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { paths } from '../../sandbox/project-paths';

/** Where the production-windows test leaves its figures for the benchmark document. */
export const PRODUCTION_WINDOW_FIGURES = path.join(paths.root, 'docs', 'production-window-figures.json');

/** Written only when asked (KEYWARDEN_WRITE_FIGURES=1): an ordinary test run leaves the docs alone. */
export function writeProductionWindowFigures(figures: Record<string, unknown>): void {
  writeFileSync(PRODUCTION_WINDOW_FIGURES, `${JSON.stringify(figures, null, 2)}\n`);
}
