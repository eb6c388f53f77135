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

export const paths = {
  root: projectRoot,
  sandboxSources: path.join(projectRoot, 'sandbox'),
  venv: path.join(projectRoot, '.venv'),
  tools: path.join(projectRoot, '.tools'),
  state: path.join(projectRoot, '.keywarden'),
  logs: path.join(projectRoot, '.keywarden', 'logs'),
  sandboxFile: path.join(projectRoot, '.keywarden', 'sandbox.json'),
  sandboxDb: path.join(projectRoot, '.keywarden', 'temporal.sqlite'),
};
