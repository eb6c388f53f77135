// `npm run bench`: every figure of docs/benchmarks.md from one run, on an emulator of its own.
import { Client, Connection } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startMotoServer } from '../../sandbox/moto-server';
import { killNow, stopProcess } from '../../sandbox/processes';
import { paths } from '../../sandbox/project-paths';
import { ensureLocalTools } from '../../sandbox/python-env';
import { readSandboxState } from '../../sandbox/sandbox-state';
import { BENCH_CREDENTIALS, freshBenchOrg } from './bench-org';
import { benchSettingsFromEnv } from './bench-settings';
import { runBenchSuite } from './bench-suite';
import { everyoneContained, type BenchFigures } from './figures';
import { renderBenchmarks } from './render-benchmarks';

const log = (line: string) => console.log(`[bench] ${line}`);
const docsDir = path.join(paths.root, 'docs');
/** The bench's sandbox keeps its state apart from a sandbox the user may be running. */
const stateDir = path.join(paths.state, 'bench');

function keywardenCli(args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(process.execPath, [path.join(paths.root, 'bin', 'keywarden.js'), ...args], {
    env,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`keywarden ${args.join(' ')} failed (exit code ${result.status})`);
}

async function main(): Promise<number> {
  const settings = benchSettingsFromEnv();
  log(
    `sizes ${settings.sizes.join(', ')}; rotation sizes ${settings.rotationSizes.join(', ')}; ${settings.runs} run(s) each`,
  );
  const tools = ensureLocalTools(log);
  const moto = await startMotoServer({
    python: tools.python,
    logFile: path.join(paths.logs, 'bench-moto.log'),
  });
  process.once('exit', () => killNow(moto.process.pid));
  const cliEnv = {
    ...process.env,
    KEYWARDEN_STATE_DIR: stateDir,
    AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  let sandboxUp = false;
  try {
    await freshBenchOrg(moto.endpoint, 1);
    keywardenCli(['sandbox', 'up', '--aws-endpoint', moto.endpoint, '--no-seed'], cliEnv);
    sandboxUp = true;
    const state = readSandboxState(path.join(stateDir, 'sandbox.json'));
    if (!state) throw new Error('the attached sandbox wrote no state file');
    const connection = await Connection.connect({ address: state.temporal.address });
    try {
      const client = new Client({ connection, namespace: state.temporal.namespace });
      const write = (figures: BenchFigures) => {
        writeFileSync(path.join(docsDir, 'benchmark-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
        writeFileSync(path.join(docsDir, 'benchmarks.md'), renderBenchmarks(figures, docsDir));
      };
      const figures = await runBenchSuite(
        { awsEndpoint: moto.endpoint, keywarden: { client, taskQueue: state.taskQueue }, log },
        settings,
        undefined,
        write,
      );
      log('wrote docs/benchmark-figures.json and docs/benchmarks.md');
      if (!everyoneContained(figures)) log('NOTE: some run did not contain every leaver: see the tables');
    } finally {
      await connection.close();
    }
  } finally {
    if (sandboxUp) keywardenCli(['sandbox', 'down'], cliEnv);
    await stopProcess(moto.process.pid);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
