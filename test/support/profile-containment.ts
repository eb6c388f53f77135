/**
 * Profiles the containment of one leaver on the local stack (Temporal dev server + emulator):
 * seeds N member accounts, each with the leaver and 4 other users holding a key, runs an
 * offboarding through a real worker, and measures request-to-contained, the AWS calls the
 * emulator served (per account, by operation), the activities and the workflow tasks.
 *
 *   npm run build && node dist/test/support/profile-containment.js --accounts 10,50,100 --label after
 *
 * The figures are merged into docs/containment-profile.json under the label, and
 * docs/containment-profile.md is regenerated from that file.
 */
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { AwsClients } from '../../activities/aws/clients';
import { queryOffboardingStatus, startOffboarding } from '../../client/offboarding-client';
import { parseOffboardingRequest } from '../../domain/offboarding-request';
import { startLocalStack } from '../../sandbox/local-stack';
import { resetMoto } from '../../sandbox/moto-server';
import { createKeywardenWorker } from '../../worker/create-worker';
import { CallTimingProxy } from './call-timing-proxy';
import {
  renderContainmentProfile,
  renderFromFile,
  type ProfileFile,
  type ProfileRun,
} from './containment-profile-doc';
import { seedLeaverOrg } from './leaver-org';
import { workflowBundleOptions } from '../../worker/workflow-bundle-options';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ROOT = path.resolve(__dirname, '../../..');
const FIGURES = path.join(ROOT, 'docs/containment-profile.json');
const DOC = path.join(ROOT, 'docs/containment-profile.md');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

const ms = (t: HistoryEvent['eventTime']): number =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** Activity queue waits and run times, and workflow task counts and times, from the history. */
function historyFigures(events: HistoryEvent[], untilMs: number) {
  const inWindow = events.filter((e) => ms(e.eventTime) <= untilMs);
  const scheduled = new Map<string, { type: string; at: number; startedAt?: number }>();
  const activities: Record<string, { count: number; waitMs: number[]; runMs: number[] }> = {};
  const wfTaskStarted = new Map<string, number>();
  const wfTaskScheduled = new Map<string, number>();
  const wfTasks = { count: 0, waitMs: [] as number[], runMs: [] as number[] };
  for (const e of inWindow) {
    const id = String(e.eventId);
    const at = ms(e.eventTime);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.set(id, { type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', at });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const s = scheduled.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (s) s.startedAt = at;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
        const ref =
          e.activityTaskCompletedEventAttributes?.scheduledEventId ??
          e.activityTaskFailedEventAttributes?.scheduledEventId;
        const s = scheduled.get(String(ref));
        if (!s || s.startedAt === undefined) break;
        const figures = (activities[s.type] ??= { count: 0, waitMs: [], runMs: [] });
        figures.count++;
        figures.waitMs.push(s.startedAt - s.at);
        figures.runMs.push(at - s.startedAt);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wfTaskScheduled.set(id, at);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const s = wfTaskScheduled.get(String(e.workflowTaskStartedEventAttributes?.scheduledEventId));
        wfTaskStarted.set(id, at);
        if (s !== undefined) wfTasks.waitMs.push(at - s);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const s = wfTaskStarted.get(String(e.workflowTaskCompletedEventAttributes?.startedEventId));
        wfTasks.count++;
        if (s !== undefined) wfTasks.runMs.push(at - s);
        break;
      }
      default:
        break;
    }
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  return {
    events: inWindow.length,
    workflowTasks: {
      count: wfTasks.count,
      totalRunMs: sum(wfTasks.runMs),
      p50WaitMs: percentile(wfTasks.waitMs, 50),
      p50RunMs: percentile(wfTasks.runMs, 50),
    },
    activities: Object.fromEntries(
      Object.entries(activities).map(([type, f]) => [
        type,
        {
          count: f.count,
          p50WaitMs: percentile(f.waitMs, 50),
          p95WaitMs: percentile(f.waitMs, 95),
          p50RunMs: percentile(f.runMs, 50),
          p95RunMs: percentile(f.runMs, 95),
        },
      ]),
    ),
  };
}

async function profileOnce(opts: {
  accounts: number;
  awsEndpoint: string;
  temporalAddress: string;
  namespace: string;
  bundlePath: string;
  proxy: CallTimingProxy;
  proxyEndpoint: string;
}): Promise<ProfileRun> {
  await resetMoto(opts.awsEndpoint);
  const seedStart = Date.now();
  const org = await seedLeaverOrg({ endpoint: opts.awsEndpoint, memberAccounts: opts.accounts });
  const seedMs = Date.now() - seedStart;
  const { accessKeyId, secretAccessKey } = org.operatorCredentials;
  const aws = new AwsClients({
    region: 'us-east-1',
    endpoint: opts.proxyEndpoint,
    baseCredentials: () => Promise.resolve({ accessKeyId, secretAccessKey }),
  });
  const taskQueue = `profile-${opts.accounts}-${Date.now()}`;
  const maxConcurrentActivityTaskExecutions = Number(process.env.KEYWARDEN_MAX_CONCURRENT_ACTIVITIES ?? 20);
  const maxTaskQueueActivitiesPerSecond = Number(
    process.env.KEYWARDEN_TASK_QUEUE_ACTIVITIES_PER_SECOND ?? 50,
  );
  const nativeConnection = await NativeConnection.connect({ address: opts.temporalAddress });
  const worker = await createKeywardenWorker({
    connection: nativeConnection,
    namespace: opts.namespace,
    taskQueue,
    deps: { aws },
    workflowBundlePath: opts.bundlePath,
    maxConcurrentActivityTaskExecutions,
    maxTaskQueueActivitiesPerSecond,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: opts.temporalAddress });
  const client = new Client({ connection, namespace: opts.namespace });
  try {
    const parsed = parseOffboardingRequest({
      employeeId: `leaver-${opts.accounts}-${Date.now()}`,
      match: { tagKey: 'email', tagValues: [org.leaverEmail] },
      initiator: 'hr@example.com',
      approval: { approvers: ['security-lead@example.com'] },
      scope: { excludeAccounts: [org.managementAccountId] },
      purgeMode: 'strip-credentials',
      ...(option('accounts-in-flight') === undefined
        ? {}
        : { limits: { accountsInFlight: Number(option('accounts-in-flight')) } }),
    });
    if (!parsed.ok) throw new Error(parsed.message);
    opts.proxy.reset();
    const requestedAt = new Date();
    const started = await startOffboarding(client, {
      taskQueue,
      request: parsed.request,
      requestedAt: requestedAt.toISOString(),
    });
    let observedMs = 0;
    let status: Awaited<ReturnType<typeof queryOffboardingStatus>>;
    for (;;) {
      status = await queryOffboardingStatus(client, parsed.request.employeeId).catch(() => undefined);
      if (status?.containmentComplete !== undefined) {
        observedMs = Date.now() - requestedAt.getTime();
        break;
      }
      if (Date.now() - requestedAt.getTime() > 10 * 60_000)
        throw new Error('not contained within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const calls = [...opts.proxy.calls];
    const handle = client.workflow.getHandle(started.workflowId);
    const history = await handle.fetchHistory();
    // The credentials part of the prior state is read after containment: count those calls too.
    for (let waited = 0; waited < 120_000; waited += 200) {
      const now = await queryOffboardingStatus(client, parsed.request.employeeId).catch(() => undefined);
      if (now?.users.every((u) => u.prior?.credentialsUnread !== true)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const allCalls = opts.proxy.calls.length;
    await handle.terminate('profile done');
    if (status?.containmentComplete !== true || status.users.length !== opts.accounts) {
      throw new Error(
        `containment not complete: ${status?.users.length} user(s) of ${opts.accounts}, complete=${status?.containmentComplete}`,
      );
    }
    const byOperation: Record<string, number> = {};
    for (const call of calls) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
    const firstCall = Math.min(...calls.map((c) => c.startMs));
    const lastCall = Math.max(...calls.map((c) => c.endMs));
    const latencies = calls.map((c) => c.endMs - c.startMs);
    return {
      accounts: opts.accounts,
      seedMs,
      workerSlots: maxConcurrentActivityTaskExecutions,
      activitiesPerSecond: maxTaskQueueActivitiesPerSecond,
      timeToContainmentMs: status.timeToContainmentMs ?? 0,
      observedMs,
      awsCalls: calls.length,
      awsCallsPerAccount: Math.round((calls.length / opts.accounts) * 10) / 10,
      awsCallsPerAccountWithRecord: Math.round((allCalls / opts.accounts) * 10) / 10,
      byOperation,
      awsWindowMs: lastCall - firstCall,
      awsBusyMs: latencies.reduce((a, b) => a + b, 0),
      awsP50Ms: percentile(latencies, 50),
      awsP95Ms: percentile(latencies, 95),
      firstAwsCallAfterMs: firstCall - requestedAt.getTime(),
      history: historyFigures(history.events ?? [], requestedAt.getTime() + observedMs),
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
    aws.destroy();
  }
}

/** The doc as the project's Prettier settings write it. */
async function formatted(markdown: string): Promise<string> {
  const config = (await resolveConfig(DOC)) ?? {};
  return format(markdown, { ...config, parser: 'markdown' });
}

async function main(): Promise<void> {
  if (process.argv.includes('--render-only')) {
    writeFileSync(DOC, await formatted(renderFromFile(FIGURES)));
    return;
  }
  const counts = (option('accounts') ?? '10').split(',').map(Number);
  const label = option('label') ?? 'current';
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: new DefaultLogger('WARN'),
  });
  const bundlePath = path.join(mkdtempSync(path.join(tmpdir(), 'keywarden-profile-')), 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  const stack = await startLocalStack({ lifetime: 'owned', log: () => {} });
  const proxy = new CallTimingProxy(stack.awsEndpoint);
  const proxyEndpoint = await proxy.start();
  const runs: ProfileRun[] = [];
  try {
    for (const accounts of counts) {
      const run = await profileOnce({
        accounts,
        awsEndpoint: stack.awsEndpoint,
        temporalAddress: stack.temporal.address,
        namespace: stack.temporal.namespace,
        bundlePath,
        proxy,
        proxyEndpoint,
      });
      console.log(JSON.stringify(run));
      runs.push(run);
    }
  } finally {
    await proxy.stop();
    await stack.stop();
  }
  const file: ProfileFile = existsSync(FIGURES)
    ? (JSON.parse(readFileSync(FIGURES, 'utf8')) as ProfileFile)
    : { labels: {} };
  file.labels[label] = { measuredAt: new Date().toISOString(), runs };
  writeFileSync(FIGURES, `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(DOC, await formatted(renderContainmentProfile(file)));
  console.log(`wrote ${path.relative(ROOT, FIGURES)} and ${path.relative(ROOT, DOC)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
