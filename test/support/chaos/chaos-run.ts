import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import type { UserRotationReport } from '../../../domain/rotation-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { APPROVERS, uniqueId } from '../campaign-helpers';
import { runKeywardenFor } from '../cli-process';
import { FaultProxy, seededRandom, type FaultClass, type FaultRates } from '../fault-proxy';
import { awsClientsFor, freshOrg, type TestStack } from '../test-stack';
import { WorkerPool, workerEnv } from '../worker-processes';
import type { ChaosFigures } from './chaos-figures';
import { InvariantChecker, type UserRef } from './invariant-checker';
import { checkOffboarded } from './offboarding-check';
import { HOLD_FILE_ENV, HOLD_MS_ENV } from './hold-protocol';
import { WorkerKiller } from './worker-killer';

const { EventType } = temporal.api.enums.v1;

export interface ChaosSettings {
  mode: 'short' | 'full';
  accounts: number;
  /** At least this many kills over the whole run (campaign and offboarding). */
  minKills: number;
  maxKills: number;
  blackoutMs: number;
  /**
   * The blackout starts once the campaign has sent this many AWS requests: in the middle of its
   * traffic, whatever the machine's speed (a blackout while every saga sleeps would test nothing).
   */
  blackoutAfterRequests: number;
  seed: number;
  rates: FaultRates;
  windows: { adoption: string; grace: string };
  killIntervalMs: readonly [number, number];
  /** Activity types too short for random kills: the workers hold on them until one is killed inside each. */
  holdTypes: readonly string[];
  log: (line: string) => void;
}

export const WORKERS = 3;
/** How long a worker holds inside a short activity for the killer: ample on a loaded machine. */
const HOLD_MS = 5_000;
/** The seed's users that the campaign's policy selects: one Active key older than 90 days, not exempt. */
const SELECTED_ARCHETYPES = new Set(['stale-key', 'just-over-max', 'unused-since-creation']);
const LEAVER_EMAIL = 'mallory@example.com';
const SECRET_TEMPLATE = 'keywarden/{userName}';
/**
 * A key may be held unstaged while its create-and-stage activity runs, and when the process
 * running it is killed, until that activity's retry (after its 1-minute start-to-close timeout
 * and backoff) removes it. Faults and the blackout stretch it further.
 */
const STAGING_GRACE_MS = 180_000;

function selectedUsers(org: SeededOrg): UserRef[] {
  return org.users
    .filter((u) => SELECTED_ARCHETYPES.has(u.archetype))
    .map(({ accountId, userName }) => ({ accountId, userName }));
}

function leavers(org: SeededOrg): UserRef[] {
  return org.users
    .filter((u) => u.archetype.startsWith('leaver'))
    .map(({ accountId, userName }) => ({ accountId, userName }));
}

function eventMs(event: temporal.api.history.v1.IHistoryEvent): number {
  const seconds = Number(event.eventTime?.seconds ?? 0);
  return seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
}

/** When the first approval reached the campaign: its signal or update in the campaign's history. */
async function firstApprovalAt(client: Client, campaignId: string): Promise<number | undefined> {
  const history = await client.workflow.getHandle(campaignId).fetchHistory();
  for (const event of history.events ?? []) {
    const signal = event.workflowExecutionSignaledEventAttributes?.signalName;
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    if (signal === 'approve' || update === 'approve') return eventMs(event);
  }
  return undefined;
}

/** Every activity type scheduled by the workflows of the task queue. */
async function activityTypesRun(client: Client, taskQueue: string): Promise<string[]> {
  const types = new Set<string>();
  for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
      types.add(event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown');
    }
  }
  return [...types].sort();
}

function faultsSince(proxy: FaultProxy, before: Record<FaultClass, number>): Record<FaultClass, number> {
  const now = proxy.faults();
  return {
    throttling: now.throttling - before.throttling,
    serverError: now.serverError - before.serverError,
    connectionReset: now.connectionReset - before.connectionReset,
    blackout: now.blackout - before.blackout,
  };
}

/** Samples the invariants until `done` settles; a failing read is retried at the next sample. */
async function sampleUntil(checker: InvariantChecker, done: Promise<unknown>, log: (l: string) => void) {
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    await checker.sample().catch((error: unknown) => log(`checker sample failed, retried: ${String(error)}`));
    await delay(1000);
  }
}

/**
 * A rotation campaign, then an offboarding, on three `keywarden worker` processes that are killed
 * and restarted throughout, talking to the emulator through a fault-injecting proxy. An
 * independent checker reads the emulator before, during and after. Returns the figures.
 */
export async function runChaos(stack: TestStack, settings: ChaosSettings): Promise<ChaosFigures> {
  const { log } = settings;
  const startedAt = new Date();
  const random = seededRandom(settings.seed);
  const org = await freshOrg(stack, { memberAccounts: settings.accounts });
  const observer = awsClientsFor(stack, org);
  const proxy = await FaultProxy.start({
    target: stack.awsEndpoint,
    seed: settings.seed,
    rates: settings.rates,
  });
  const taskQueue = uniqueId('chaos');
  const env = workerEnv({
    temporalAddress: stack.temporalAddress,
    namespace: stack.namespace,
    taskQueue,
    region: org.region,
    awsEndpoint: proxy.endpoint,
    credentials: org.operatorCredentials,
    ...(stack.workflowBundlePath === undefined ? {} : { workflowBundlePath: stack.workflowBundlePath }),
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-chaos-'));
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.namespace });
  const holdFile = path.join(dir, 'hold-types');
  const hold = { types: settings.holdTypes, file: holdFile };
  // The pool reports held workers to the killer, which needs the pool: wired once both exist.
  const heldWorkers: { killer?: WorkerKiller } = {};
  const pool = await WorkerPool.start(
    WORKERS,
    { ...env, [HOLD_FILE_ENV]: holdFile, [HOLD_MS_ENV]: String(HOLD_MS) },
    undefined,
    {
      preload: settings.holdTypes.length > 0 ? [path.join(__dirname, 'activity-hold.js')] : [],
      onLine: (slot, line) => heldWorkers.killer?.onWorkerLine(slot, line),
    },
  );
  const killer = new WorkerKiller({
    client,
    pool,
    taskQueue,
    random,
    intervalMs: settings.killIntervalMs,
    maxKills: settings.maxKills,
    hold,
    log,
  });
  heldWorkers.killer = killer;
  const memberAccountIds = org.accounts.map((a) => a.accountId);
  const selected = selectedUsers(org);
  const checker = new InvariantChecker({
    aws: observer,
    region: org.region,
    endpoint: stack.awsEndpoint,
    accountIds: memberAccountIds,
    selected,
    secretName: (userName) => SECRET_TEMPLATE.replace('{userName}', userName),
    stagingGraceMs: STAGING_GRACE_MS,
  });
  try {
    await checker.recordBaseline();
    log(`baseline: ${memberAccountIds.length} accounts, ${selected.length} selected users`);

    // The campaign, approved by the CLI as soon as it asks.
    const campaignId = uniqueId('chaos-campaign');
    const spec = path.join(dir, 'campaign.yaml');
    writeFileSync(
      spec,
      [
        `id: ${campaignId}`,
        'name: chaos run',
        'initiator: platform-team@example.com',
        `scope: { allAccounts: true, excludeAccounts: ['${org.managementAccountId}'] }`,
        'policy: { maxKeyAgeDays: 90, exemptions: { groups: [keywarden-exempt] } }',
        `destination: { secretNameTemplate: '${SECRET_TEMPLATE}' }`,
        `windows: { adoption: ${settings.windows.adoption}, grace: ${settings.windows.grace} }`,
        `approval: { approvers: [${APPROVERS.join(', ')}], timeout: 1h }`,
        '',
      ].join('\n'),
    );
    const campaignStart = Date.now();
    const faultsBefore = proxy.faults();
    killer.start();
    let campaignDone = false;
    const campaignRun = runKeywardenFor(45 * 60_000, env, 'rotate', spec, '--approve-as', APPROVERS[0] ?? '');
    const blackout = (async () => {
      const from = proxy.counts.requests;
      while (proxy.counts.requests - from < settings.blackoutAfterRequests && !campaignDone) await delay(200);
      if (campaignDone) return;
      log(`blackout: ${settings.blackoutMs / 1000} s with every AWS connection dropped`);
      proxy.blackout(settings.blackoutMs);
    })();
    await sampleUntil(checker, campaignRun, log);
    const campaign = await campaignRun;
    campaignDone = true;
    await blackout;
    if (campaign.code !== 0) throw new Error(`the campaign failed:\n${campaign.stdout}${campaign.stderr}`);
    const campaignStatus = (await client.workflow.getHandle(campaignId).describe()).status.name;
    const campaignSeconds = (Date.now() - campaignStart) / 1000;
    const campaignFaults = faultsSince(proxy, faultsBefore);
    await checker.finalCheck(await firstApprovalAt(client, campaignId));
    await logUnrotated(client, selected, log);
    log(
      `campaign ${campaignStatus} in ${campaignSeconds.toFixed(0)} s; faults ${JSON.stringify(campaignFaults)}`,
    );

    // The offboarding, on the same workers, still killed and still faulted.
    const offboardBaseline = new InvariantChecker({
      aws: observer,
      region: org.region,
      endpoint: stack.awsEndpoint,
      accountIds: memberAccountIds,
      selected: [],
      secretName: () => '',
      stagingGraceMs: STAGING_GRACE_MS,
    });
    await offboardBaseline.recordBaseline();
    const matched = leavers(org);
    const employeeId = uniqueId('chaos-leaver');
    const offboardingId = `offboard-${employeeId}`;
    const offboardStart = Date.now();
    const offboardFaultsBefore = proxy.faults();
    const started = await runKeywardenFor(
      120_000,
      env,
      'offboard',
      '--employee',
      employeeId,
      '--email',
      LEAVER_EMAIL,
      '--initiator',
      'hr-system@example.com',
      '--approver',
      APPROVERS[0] ?? '',
      '--exclude-account',
      org.managementAccountId,
    );
    if (started.code !== 0)
      throw new Error(`the offboarding did not start:\n${started.stdout}${started.stderr}`);
    const handle = client.workflow.getHandle(offboardingId);
    await waitForOffboardingPhase(handle, 'awaiting-approval', 20 * 60_000);
    await handle.signal('approve', { approver: APPROVERS[0], comment: 'chaos run: confirmed leaver' });
    const offboarding = (await handle.result()) as OffboardingStatus;
    const offboardSeconds = (Date.now() - offboardStart) / 1000;
    const offboardFaults = faultsSince(proxy, offboardFaultsBefore);
    await killer.stop();
    const outcome = await checkOffboarded(observer, matched);
    await offboardBaseline.unselectedUnchanged(matched);
    log(
      `offboarding ${offboarding.phase} in ${offboardSeconds.toFixed(0)} s; faults ${JSON.stringify(offboardFaults)}`,
    );

    const figures = checker.figures();
    const violations = [
      ...figures.violations,
      ...outcome.violations,
      ...offboardBaseline.figures().violations,
    ];
    if (campaignStatus !== 'COMPLETED') violations.push(`the campaign ended ${campaignStatus}`);
    if (offboarding.phase !== 'completed') violations.push(`the offboarding ended ${offboarding.phase}`);
    return {
      mode: settings.mode,
      seed: settings.seed,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      accounts: memberAccountIds.length,
      workers: WORKERS,
      blackoutSeconds: settings.blackoutMs / 1000,
      campaign: {
        id: campaignId,
        status: campaignStatus,
        selectedUsers: selected.length,
        durationSeconds: Math.round(campaignSeconds),
      },
      offboarding: {
        id: offboardingId,
        phase: offboarding.phase,
        matchedUsers: matched.length,
        purged: outcome.purged,
        contained: outcome.contained,
        durationSeconds: Math.round(offboardSeconds),
      },
      killsSurvived: killer.kills.length,
      interruptedActivityTypes: [...killer.interruptedTypes()].sort(),
      activityTypesRun: await activityTypesRun(client, taskQueue),
      faults: { campaign: campaignFaults, offboarding: offboardFaults },
      awsRequests: proxy.counts.requests,
      checkerSamples: figures.samples,
      longestUnstagedSeconds: Math.round(figures.longestUnstagedMs / 1000),
      violations,
    };
  } finally {
    await killer.stop();
    await pool.stop();
    await proxy.close();
    await connection.close();
    observer.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What each selected user's saga says it did, for those that did not end rotated: when the checker
 * finds a violation, this is where to start.
 */
async function logUnrotated(client: Client, users: readonly UserRef[], log: (line: string) => void) {
  for (const user of users) {
    const report = (await client.workflow
      .getHandle(`rotation/${user.accountId}/${user.userName}`)
      .result()
      .catch(() => undefined)) as UserRotationReport | undefined;
    if (report?.status === 'rotated') continue;
    const last = (report?.timeline ?? []).slice(-4).map((e) => `${e.at} ${e.event}`);
    log(
      `saga of ${user.accountId}/${user.userName} ended ${report?.status ?? 'without a result'}` +
        `${report?.error === undefined ? '' : ` (${report.error})`}: ${last.join(' | ')}`,
    );
  }
}

async function waitForOffboardingPhase(
  handle: ReturnType<Client['workflow']['getHandle']>,
  phase: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'none';
  while (Date.now() < deadline) {
    // A query fails while no worker can answer it (all being restarted): ask again.
    const status = await handle.query<OffboardingStatus>('status').catch(() => undefined);
    last = status?.phase ?? last;
    if (last === phase) return;
    await delay(500);
  }
  throw new Error(`the offboarding did not reach ${phase} in time; last phase ${last}`);
}
