#!/usr/bin/env node
// Entry point of `npm test` and `npm run demo` on a machine that may have nothing installed yet.
// Plain JavaScript with no dependencies: it installs the project's packages, builds, then hands
// over to the compiled code, which sets up the Python venv and the local services itself.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function fail(message) {
  console.error(`keywarden: ${message}`);
  process.exit(1);
}

function step(title, command, args) {
  console.log(`\n== ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(`${title} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${title} failed (exit code ${result.status}); see the output above`);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node.js ${process.versions.node} is too old: install Node.js 20.19 or newer`);
}

const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  step('installing npm packages (npm ci)', npm, ['ci', '--no-audit', '--no-fund']);
}

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
step('type-checking and building (tsc)', npm, ['exec', '--', 'tsc', '-p', 'tsconfig.json']);

const job = process.argv[2];
if (job === 'test') {
  step('linting (eslint)', npm, ['exec', '--', 'eslint', '.']);
  step('running the tests on the local stack', process.execPath, [
    path.join(root, 'dist', 'test', 'harness', 'run-tests.js'),
  ]);
} else if (job === 'demo') {
  step('running the demo on the sandbox', process.execPath, [
    path.join(root, 'bin', 'keywarden.js'),
    'demo',
    ...process.argv.slice(3),
  ]);
} else {
  fail(`unknown job "${job}": use "test" or "demo"`);
}
