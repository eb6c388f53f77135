import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'keywarden') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the keywarden project root (package.json named keywarden)');
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(__dirname);

// Overridable so that tests can exercise setup failures without touching the project's own venv and state.
const venv = process.env.KEYWARDEN_VENV_DIR ?? path.join(projectRoot, '.venv');
const state = process.env.KEYWARDEN_STATE_DIR ?? path.join(projectRoot, '.keywarden');

export const paths = {
  root: projectRoot,
  sandboxSources: path.join(projectRoot, 'sandbox'),
  venv,
  tools: path.join(projectRoot, '.tools'),
  state,
  logs: path.join(state, 'logs'),
  sandboxFile: path.join(state, 'sandbox.json'),
  sandboxDb: path.join(state, 'temporal.sqlite'),
};
