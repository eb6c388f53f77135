import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { paths } from '../../sandbox/project-paths';
import { freshBenchOrg, USERS_PER_ACCOUNT } from './bench-org';
import type { BenchSettings } from './bench-settings';
import { containWithC7nOrg, prepareC7nAccounts } from './c7n-containment';
import { emulatorCeiling } from './emulator-ceiling';
import type { BenchFigures, ContainmentRun, Tool } from './figures';
import { containWithKeywarden, type KeywardenTarget } from './keywarden-containment';
import { rotateWithKeywarden } from './rotation-keywarden';
import { rotateWithPlainSdk } from './rotation-sdk';
import { containWithPlainSdk, SDK_CONCURRENCY } from './sdk-containment';
import { verifyContainment } from './verify-containment';

export interface BenchEnvironment {
  awsEndpoint: string;
  keywarden: KeywardenTarget;
  log: (line: string) => void;
}

const load = (): [number, number, number] =>
  os.loadavg().map((n) => Math.round(n * 100) / 100) as [number, number, number];
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** The exact pins of a requirements file, by package name. */
function pins(file: string): Record<string, string> {
  const text = readFileSync(path.join(paths.sandboxSources, file), 'utf8');
  return Object.fromEntries(
    [...text.matchAll(/^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)/gm)].map((m) => [m[1]!, m[2]!]),
  );
}

async function containmentRun(
  env: BenchEnvironment,
  tool: Tool,
  accounts: number,
  label: string,
): Promise<ContainmentRun> {
  const org = await freshBenchOrg(env.awsEndpoint, accounts);
  const members = org.accounts.map((a) => a.accountId);
  let error: string | undefined;
  let wallSeconds: number | undefined;
  let started = performance.now();
  let seconds: number;
  try {
    if (tool === 'keywarden') {
      const result = await containWithKeywarden(env.keywarden, {
        employeeId: `bench-${label}`,
        managementAccountId: org.managementAccountId,
      });
      seconds = result.timeToContainmentMs / 1000;
      wallSeconds = result.wallMs / 1000;
    } else if (tool === 'c7nOrg') {
      await prepareC7nAccounts(env.awsEndpoint, members);
      started = performance.now();
      const result = await containWithC7nOrg(env.awsEndpoint, members);
      seconds = (performance.now() - started) / 1000;
      if (result.exitCode !== 0) error = `c7n-org exited ${result.exitCode}: ${result.tail}`;
    } else {
      await containWithPlainSdk(env.awsEndpoint, org.managementAccountId);
      seconds = (performance.now() - started) / 1000;
    }
  } catch (e) {
    seconds = (performance.now() - started) / 1000;
    error = errorText(e);
  }
  const check = await verifyContainment(env.awsEndpoint, org.managementAccountId);
  const run: ContainmentRun = {
    seconds: Math.round(seconds * 1000) / 1000,
    contained: check.contained,
    accounts: check.accounts,
    bystandersTouched: check.bystandersTouched,
    ...(wallSeconds === undefined ? {} : { wallSeconds: Math.round(wallSeconds * 1000) / 1000 }),
    ...(error === undefined ? {} : { error }),
  };
  env.log(
    `${tool} at ${accounts} accounts: ${run.seconds.toFixed(2)} s, contained ${run.contained}/${run.accounts}` +
      (check.notContained.length > 0
        ? ` (not: ${check.notContained
            .slice(0, 3)
            .map((n) => `${n.accountId} ${n.missing}`)
            .join('; ')})`
        : '') +
      (error ? `; error: ${error}` : ''),
  );
  return run;
}

/**
 * Every figure of docs/benchmarks.md from one run: each tool on a freshly seeded org (the emulator
 * reset before each), verified against the emulator afterwards; never judged on a time.
 */
export async function runBenchSuite(
  env: BenchEnvironment,
  settings: BenchSettings,
  tools: readonly Tool[] = ['keywarden', 'c7nOrg', 'sdk'],
  /** Called with the figures so far after every size, so a run cut short still leaves its figures. */
  onProgress: (figures: BenchFigures) => void = () => undefined,
): Promise<BenchFigures> {
  const loadBefore = load();
  await freshBenchOrg(env.awsEndpoint, 1);
  const ceiling = await emulatorCeiling(env.awsEndpoint, settings.ceilingMs);
  env.log(`emulator ceiling: ${ceiling.toFixed(0)} GetUser calls/s at concurrency 8`);
  const figures = describeBench(settings, loadBefore, ceiling);
  const stamp = Date.now().toString(36);
  const progress = () => {
    figures.machine.loadAfter = load();
    onProgress(figures);
  };
  for (const accounts of settings.sizes) {
    const runs: BenchFigures['containment'][number]['runs'] = { keywarden: [], c7nOrg: [], sdk: [] };
    figures.containment.push({ accounts, runs });
    for (let i = 1; i <= settings.runs; i++) {
      for (const tool of tools)
        runs[tool].push(await containmentRun(env, tool, accounts, `${stamp}-${accounts}-${i}`));
      progress();
    }
  }
  for (const accounts of settings.rotationSizes) {
    const size: BenchFigures['rotation'][number] = { accounts, keywarden: [], sdk: [] };
    figures.rotation.push(size);
    for (let i = 1; i <= settings.runs; i++) {
      let org = await freshBenchOrg(env.awsEndpoint, accounts);
      const kw = await rotateWithKeywarden(env.keywarden, {
        campaignId: `bench-rotation-${stamp}-${accounts}-${i}`,
        managementAccountId: org.managementAccountId,
      });
      env.log(`keywarden rotation at ${accounts} accounts: ${kw.rotated} keys in ${kw.seconds.toFixed(1)} s`);
      size.keywarden.push(kw);
      org = await freshBenchOrg(env.awsEndpoint, accounts);
      const sdk = await rotateWithPlainSdk(env.awsEndpoint, org.managementAccountId);
      env.log(
        `plain SDK rotation at ${accounts} accounts: ${sdk.rotated} keys in ${sdk.seconds.toFixed(1)} s`,
      );
      size.sdk.push(sdk);
      progress();
    }
  }
  figures.generatedAt = new Date().toISOString();
  progress();
  return figures;
}

function describeBench(
  settings: BenchSettings,
  loadBefore: [number, number, number],
  ceiling: number,
): BenchFigures {
  const peer = pins('requirements-peer.txt');
  const local = pins('requirements.txt');
  const manifest = JSON.parse(readFileSync(path.join(paths.root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      loadBefore,
      loadAfter: loadBefore,
    },
    settings: {
      runs: settings.runs,
      sizes: settings.sizes,
      rotationSizes: settings.rotationSizes,
      usersPerAccount: USERS_PER_ACCOUNT,
      concurrency: SDK_CONCURRENCY,
      versions: {
        keywarden: manifest.version,
        c7n: peer.c7n ?? 'unknown',
        'c7n-org': peer['c7n-org'] ?? 'unknown',
        moto: local.moto ?? 'unknown',
      },
    },
    emulatorCeilingCallsPerSecond: Math.round(ceiling),
    containment: [],
    rotation: [],
  };
}
