import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { readdirSync, writeFileSync } from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import path from 'node:path';
import { startLocalStack } from '../../sandbox/local-stack';
import { isAlive } from '../../sandbox/processes';
import { paths } from '../../sandbox/project-paths';
import { SetupError } from '../../sandbox/setup-error';
import { STACK_ENV } from './stack-env';
import { ensureChromium } from './chromium';
import { workflowBundleOptions } from '../../worker/workflow-bundle-options';

/** A test file that hangs fails instead of holding CI until its limit. */
const TEST_FILE_TIMEOUT_MS = 10 * 60_000;
const quietLogger = new DefaultLogger('WARN');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

/**
 * The benchmark smoke test runs after every other file: it drives the shared emulator and dev
 * server at full speed, and the files after it should not pay for that.
 */
function runsLast(file: string): boolean {
  return file.includes(`${path.sep}integration${path.sep}bench${path.sep}`);
}

/**
 * whois and doctor search every account of the shared org, which every file before them grows:
 * run last they took 219 s of a full run, alone 47 s. They run first.
 */
function runsFirst(file: string): boolean {
  return file.includes(`${path.sep}integration${path.sep}troubleshoot${path.sep}`);
}

/** Starts the real local stack, runs every test file against it, and stops the stack whatever happens. */
async function main(): Promise<number> {
  // Arguments, if any, pick the test files whose path holds one of them (npm run test:bad-input).
  const only = process.argv.slice(2);
  const files = testFiles(path.join(paths.root, 'dist', 'test'))
    .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
    .sort()
    .sort((a, b) => Number(runsLast(a)) - Number(runsLast(b)))
    .sort((a, b) => Number(runsFirst(b)) - Number(runsFirst(a)));
  const bundlePath = path.join(paths.root, 'dist', 'test', 'workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: quietLogger,
  });
  writeFileSync(bundlePath, bundle.code);
  const chromium = ensureChromium((line) => console.log(`[browser] ${line}`));
  console.log(`[browser] Chromium ${chromium}`);
  const stack = await startLocalStack({ lifetime: 'owned', log: (line) => console.log(`[stack] ${line}`) });
  console.log(
    `[stack] Temporal ${stack.temporal.address} (UI ${stack.temporal.uiUrl}), AWS emulator ${stack.awsEndpoint}`,
  );
  let code: number;
  try {
    Object.assign(process.env, {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [STACK_ENV.temporalAddress]: stack.temporal.address,
      [STACK_ENV.temporalNamespace]: stack.temporal.namespace,
      [STACK_ENV.temporalUiUrl]: stack.temporal.uiUrl,
      [STACK_ENV.awsEndpoint]: stack.awsEndpoint,
      [STACK_ENV.workflowBundle]: bundlePath,
    });
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const stream = run({ files, concurrency: 1, timeout: TEST_FILE_TIMEOUT_MS });
    stream.on('test:pass', (event) => {
      if (event.details.type === 'suite') return;
      if (event.skip || event.todo) counts.skipped++;
      else counts.passed++;
    });
    stream.on('test:fail', (event) => {
      if (event.details.type !== 'suite') counts.failed++;
    });
    const reporter = stream.pipe(new spec());
    reporter.pipe(process.stdout);
    await new Promise<void>((resolve) => reporter.once('end', resolve));
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    code = counts.failed === 0 && counts.passed > 0 ? 0 : 1;
  } finally {
    console.log('[stack] stopping');
    await stack.stop();
  }
  const left = stack.processes.filter((p) => isAlive(p.pid));
  if (left.length > 0) {
    console.error(
      `[stack] still running after stop: ${left.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`,
    );
    return 1;
  }
  console.log(
    `[stack] stopped ${stack.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}; none left`,
  );
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof SetupError ? `keywarden: ${error.message}` : error);
    process.exit(1);
  },
);
