import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { paths } from '../../sandbox/project-paths';
import { SetupError } from '../../sandbox/setup-error';

/** Debian names the binary `chromium`; Ubuntu's package names it `chromium-browser`. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];
const INSTALL_HINT = 'Debian/Ubuntu: apt-get update && apt-get install -y chromium';

function executableOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The Chromium the browser tests drive, if one is on PATH. */
export function findChromium(): string | undefined {
  for (const name of CHROMIUM_NAMES) {
    const found = executableOnPath(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** For a test file: the Chromium to launch, or an error that says how to get one. */
export function requireChromium(): string {
  const found = findChromium();
  if (found === undefined) {
    throw new SetupError(
      `the browser tests need Chromium and none is on PATH: install it (${INSTALL_HINT}); npm test does so itself when run as root`,
    );
  }
  return found;
}

function apt(args: string[], logName: string): void {
  mkdirSync(paths.logs, { recursive: true });
  const log = path.join(paths.logs, logName);
  const result = spawnSync('apt-get', args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  writeFileSync(log, `$ apt-get ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (result.status !== 0) {
    const why = result.error?.message ?? `exit code ${result.status}`;
    throw new SetupError(
      `apt-get ${args.join(' ')} failed (${why}) while installing Chromium for the browser tests. ` +
        `Install it yourself (${INSTALL_HINT}), then run the command again. Details: ${log}`,
    );
  }
}

/**
 * Installs Debian's Chromium when it is missing, once, like the Python venv: as root with apt-get;
 * otherwise it fails with what to install. Returns the executable's path.
 */
export function ensureChromium(log: (line: string) => void = () => undefined): string {
  const found = findChromium();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    throw new SetupError(
      `Chromium is not installed and this user cannot install it: the browser tests drive the Temporal Web UI in headless Chromium. ` +
        `Install it as root (${INSTALL_HINT}), then run the command again.`,
    );
  }
  log('installing Chromium for the browser tests (apt-get install -y chromium); this happens once');
  apt(['update'], 'apt-get-update.log');
  apt(['install', '-y', 'chromium'], 'apt-get-install-chromium.log');
  return requireChromium();
}
