/**
 * The 10,000-account simulation (npm run bench:scale): on a fresh Temporal dev server, a rotation
 * campaign and then an offboarding over KEYWARDEN_SCALE_SIM_ACCOUNTS accounts, the real workflows
 * on a worker of their own whose AWS activities are scripted with realistic latency. Measures
 * wall time, the largest history, the most pending children, the worker's peak RSS, the
 * continue-as-new count and the server's limit warnings, prints them and writes the figures.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CampaignSpecSchema } from '../../../domain/campaign-spec';
import type { CampaignStatus } from '../../../domain/rotation-report';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { OffboardingRequestSchema, offboardingWorkflowId } from '../../../domain/offboarding-request';
import { KeywardenInitiator, KeywardenKind, KeywardenPhase } from '../../../domain/search-attributes';
import { paths } from '../../../sandbox/project-paths';
import { killNow, stopProcess } from '../../../sandbox/processes';
import { ensureLocalTools } from '../../../sandbox/python-env';
import { startTemporalDevServer } from '../../../sandbox/temporal-dev-server';
import { campaignStatusQuery } from '../../../workflows/messages';
import { offboardEmployee, offboardingStatusQuery } from '../../../workflows/offboard-employee';
import { startCampaign } from '../../support/campaign-helpers';
import { buildFigures, type ScaleFigures } from './figures';
import { historyFigures, PendingChildrenSampler } from './history-figures';
import { scanServerLog } from './server-log';
import { APPROVER, INITIATOR, approveWhenPlanned, simApprovalKeys } from './signed-approvals';
import { simConfigFromEnv, type SimConfig } from './sim-config';
import { LEAVER_EMPLOYEE_ID, LEAVER_USER, leaverAccounts, simAccountIds } from './sim-org';
import type { MemoryReport, SimWorkerSettings } from './sim-worker';
import { WorkerLogScan, type WorkerLogFigures } from './worker-log';
import { workflowBundleOptions } from '../../../worker/workflow-bundle-options';

const TASK_QUEUE = 'keywarden-scale-sim';
const PROGRESS_EVERY_MS = 15_000;

export async function runScaleSimulation(
  config: SimConfig,
  say: (line: string) => void,
): Promise<ScaleFigures> {
  const workDir = path.join(paths.state, 'scale-sim');
  mkdirSync(workDir, { recursive: true });
  const logFile = path.join(workDir, `temporal-${Date.now()}.log`);
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(bundlePath, bundle.code);

  const tools = ensureLocalTools(say);
  const server = await startTemporalDevServer({ temporalBinary: tools.temporal, logFile });
  // Interrupted: take the dev server down too (the worker, a child process, goes with its parent).
  const killServer = () => killNow(server.process.pid);
  process.once('exit', killServer);
  const interrupted = () => process.exit(130);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  say(`[scale] Temporal dev server ${server.endpoint.address} (UI ${server.endpoint.uiUrl}), log ${logFile}`);
  let worker: SimWorker | undefined;
  const connection = await Connection.connect({ address: server.endpoint.address });
  try {
    worker = await startSimWorker(
      {
        address: server.endpoint.address,
        namespace: server.endpoint.namespace,
        taskQueue: TASK_QUEUE,
        workflowBundlePath: bundlePath,
        accounts: config.accounts,
        campaignAccounts: config.campaignAccounts,
        usersPerAccount: config.usersPerAccount,
        keyedAccountEvery: config.keyedAccountEvery,
        latency: config.latency,
        // What a platform team would run for a large org: the campaign's in-flight limits bound the AWS work.
        maxConcurrentActivities: 200,
        activitiesPerSecond: 1000,
        maxCachedWorkflows: config.maxCachedWorkflows,
        ...(config.maxConcurrentWorkflowTasks === undefined
          ? {}
          : { maxConcurrentWorkflowTasks: config.maxConcurrentWorkflowTasks }),
        ...(config.workflowsOnMainThread ? { workflowsOnMainThread: true } : {}),
      },
      {
        heapMb: config.workerHeapMb,
        semiSpaceMb: config.workerSemiSpaceMb,
        mallocArenaMax: config.workerMallocArenaMax,
      },
    );
    const client = new Client({ connection, namespace: server.endpoint.namespace });
    const keys = simApprovalKeys();
    const campaignId = `scale-${config.campaignAccounts}-${Date.now().toString(36)}`;
    const offboardingId = offboardingWorkflowId(LEAVER_EMPLOYEE_ID);
    const sampler = new PendingChildrenSampler(client, () => [campaignId, offboardingId]);
    sampler.start();

    const runCampaign = async () => {
      const spec = CampaignSpecSchema.parse({
        id: campaignId,
        name: `scale simulation, ${config.campaignAccounts} accounts`,
        initiator: INITIATOR,
        scope:
          config.campaignAccounts === config.accounts
            ? { allAccounts: true }
            : { includeAccounts: simAccountIds(config.campaignAccounts) },
        windows: { adoption: '1s', grace: '1s' },
        approval: { ...keys.settings, timeout: '2h' },
        limits: {
          maxAccountsInFlight: config.accountsInFlight,
          maxKeysInFlightPerAccount: config.keysInFlightPerAccount,
          continueAsNewAfterAccounts: config.continueAsNewAfterAccounts,
          accountsPerShard: config.campaignAccountsPerShard,
        },
      });
      const campaignStart = Date.now();
      const campaign = await startCampaign(client, TASK_QUEUE, spec);
      const campaignProgress = setInterval(() => {
        void campaign.query(campaignStatusQuery).then(
          (s) =>
            say(
              `[scale] campaign ${s.phase} ${JSON.stringify(s.accounts)}; worker ${worker?.memoryLine() ?? '?'} (${elapsed(campaignStart)})`,
            ),
          () => undefined,
        );
      }, PROGRESS_EVERY_MS);
      let campaignFinal: CampaignStatus;
      try {
        await approveWhenPlanned(
          campaign,
          () => campaign.query(campaignStatusQuery),
          keys.approver,
          (s) => s.phase === 'awaiting-approval',
          (s) => ['completed', 'failed', 'aborted'].includes(s.phase),
        );
        say(`[scale] campaign at the gate after ${elapsed(campaignStart)}; approved (signed) as ${APPROVER}`);
        campaignFinal = await campaign.result();
      } finally {
        clearInterval(campaignProgress);
      }
      say(
        `[scale] campaign ${campaignFinal.phase} in ${elapsed(campaignStart)}: ${JSON.stringify(campaignFinal.users)}`,
      );
      return { wallMs: Date.now() - campaignStart, final: campaignFinal };
    };

    // 1. The campaign.
    const campaignResult = config.campaignAccounts > 0 ? await runCampaign() : undefined;

    // 2. The offboarding.
    const request = OffboardingRequestSchema.parse({
      employeeId: LEAVER_EMPLOYEE_ID,
      match: { userNames: [LEAVER_USER] },
      initiator: INITIATOR,
      reason: 'scale simulation',
      approval: { ...keys.settings, timeout: '2h' },
    });
    const offboardingStart = Date.now();
    const offboarding = await client.workflow.start(offboardEmployee, {
      taskQueue: TASK_QUEUE,
      workflowId: offboardingId,
      args: [{ request, requestedAt: new Date().toISOString(), sharding: config.sharding }],
      typedSearchAttributes: [
        { key: KeywardenKind, value: 'offboarding' },
        { key: KeywardenInitiator, value: request.initiator },
        { key: KeywardenPhase, value: 'discovering' },
      ],
    });
    const contained = await approveWhenPlanned(
      offboarding,
      () => offboarding.query(offboardingStatusQuery),
      keys.approver,
      (s: OffboardingStatus) => s.phase === 'awaiting-approval',
      (s: OffboardingStatus) => s.finishedAt !== undefined,
    );
    say(
      `[scale] offboarding contained ${contained.users.length} user(s) in ${contained.timeToContainmentMs ?? '?'} ms; approved (signed)`,
    );
    const offboardingFinal = await offboarding.result();
    const offboardingWallMs = Date.now() - offboardingStart;
    say(
      `[scale] offboarding ${offboardingFinal.phase} in ${elapsed(offboardingStart)}; worker ${worker.memoryLine()}`,
    );

    const pending = sampler.stop();
    say('[scale] describing every workflow run for its history');
    const histories = await historyFigures(client);
    say(`[scale] described; worker ${worker.memoryLine()}`);
    const memory = await worker.stop();
    say(`[scale] worker stopped; its peak RSS ${memory === undefined ? '?' : mib(memory.peakRssBytes)} MiB`);
    const workerLog = worker.log();
    worker = undefined;
    const log = scanServerLog(logFile);
    return buildFigures({
      config,
      campaign: campaignResult,
      offboarding: {
        wallMs: offboardingWallMs,
        final: offboardingFinal,
        expectedUsers: leaverAccounts(simAccountIds(config.accounts)),
        timeToContainmentMs: contained.timeToContainmentMs,
      },
      histories,
      pending,
      memory,
      log,
      workerLog,
    });
  } finally {
    await worker?.stop();
    await connection.close();
    await stopProcess(server.process.pid);
    process.removeListener('exit', killServer);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

function elapsed(since: number): string {
  return `${Math.round((Date.now() - since) / 1000)}s`;
}

interface SimWorker {
  /** The last memory report in one line: RSS, heap, external, cached workflows. */
  memoryLine(): string;
  /** The SDK's payload and task-duration warnings in the worker's log so far. */
  log(): WorkerLogFigures;
  stop(): Promise<MemoryReport | undefined>;
}

/** Forks the worker process and waits until it polls; stop() ends it and returns its last memory report. */
async function startSimWorker(
  settings: SimWorkerSettings,
  memory: { heapMb: number; semiSpaceMb: number; mallocArenaMax: number },
): Promise<SimWorker> {
  const child: ChildProcess = fork(path.join(__dirname, 'sim-worker.js'), [], {
    execArgv: [
      `--max-old-space-size=${memory.heapMb}`,
      `--max-semi-space-size=${memory.semiSpaceMb}`,
      ...(settings.workflowsOnMainThread === true ? ['--expose-gc'] : []),
    ],
    env: {
      ...process.env,
      KEYWARDEN_SCALE_SIM_WORKER: JSON.stringify(settings),
      MALLOC_ARENA_MAX: String(memory.mallocArenaMax),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // The worker's output goes on to ours, read on the way for the SDK's warnings.
  const scan = new WorkerLogScan();
  const follow = (from: Readable | null, to: NodeJS.WriteStream) => {
    if (from === null) return;
    createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
      to.write(`${line}\n`);
      scan.line(line);
    });
  };
  follow(child.stdout, process.stdout);
  follow(child.stderr, process.stderr);
  let last: MemoryReport | undefined;
  let peak = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { kind: 'ready' } | MemoryReport) => {
      if (message.kind === 'ready') resolve();
      else {
        last = message;
        peak = Math.max(peak, last.peakRssBytes, last.vmHwmBytes ?? 0);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the simulation worker exited (code ${code}) before it polled`)),
    );
  });
  let stopped = false;
  // A worker that dies mid-run would leave the simulation waiting for ever: end it.
  child.once('exit', (code, signal) => {
    if (stopped) return;
    console.error(`[scale] the simulation worker died (code ${code}, signal ${signal}): stopping`);
    process.exit(1);
  });
  return {
    log: () => scan.result(),
    memoryLine: () =>
      last === undefined
        ? 'no memory report yet'
        : `RSS ${mib(last.rssBytes)} MiB (peak so far ${mib(peak)} MiB), heap ${mib(last.heapUsedBytes)} MiB${last.liveHeapBytes === undefined ? '' : ` (live ${mib(last.liveHeapBytes)} MiB)`}, external ${mib(last.externalBytes)} MiB, ${last.cachedWorkflows ?? '?'} cached workflows`,
    stop: async () => {
      if (!stopped) {
        stopped = true;
        child.kill('SIGTERM');
        await exited;
      }
      return last === undefined ? undefined : { ...last, peakRssBytes: peak };
    },
  };
}

async function main(): Promise<void> {
  const config = simConfigFromEnv(process.env, path.join(paths.root, 'docs', 'benchmark-scale-figures.json'));
  const figures = await runScaleSimulation(config, (line) => console.log(line));
  const text = `${JSON.stringify(figures, null, 2)}\n`;
  console.log(text);
  if (config.output) {
    writeFileSync(config.output, text);
    console.log(`[scale] figures written to ${path.relative(paths.root, config.output)}`);
  }
  const missed = figures.goals.filter((g) => !g.met);
  if (missed.length > 0) {
    console.error(`[scale] goals missed: ${missed.map((g) => g.name).join(', ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
