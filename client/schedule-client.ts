import type { Client, ScheduleDescription, ScheduleHandle } from '@temporalio/client';
import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { CampaignSpec } from '../domain/campaign-spec';
import { CliError, UsageError } from './cli-error';
import { CAMPAIGN_WORKFLOW_TYPE, campaignStartOptions } from './campaign-start-options';
import type { ScheduleCreateOptions, ScheduleTiming } from './schedule-options';
import { missingSearchAttributesMessage } from './search-attribute-setup';

/** What keywarden writes in a schedule's memo: the timing as the person gave it (Temporal keeps a cron as calendars). */
export interface ScheduleMemo {
  specId: string;
  mode: ScheduleMode;
  timing: ScheduleTiming;
}

export type ScheduleMode = 'rotation' | 'inventory';

export interface ScheduledRun {
  campaignId: string;
  scheduledAt: string;
  takenAt: string;
}

/** A keywarden schedule as `schedule list` shows it. */
export interface ScheduleOverview {
  scheduleId: string;
  specId: string;
  mode: ScheduleMode;
  timing: ScheduleTiming;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: ScheduledRun[];
}

/** Everything `schedule describe` shows. */
export interface ScheduleDetails extends ScheduleOverview {
  overlapPolicy: string;
  catchupWindowMs: number;
  taskQueue: string;
  runningCampaigns: string[];
  runsTaken: number;
  skippedOverlapping: number;
  missedCatchupWindow: number;
  createdAt: string;
}

export type TriggerOutcome =
  { kind: 'started'; campaignId: string } | { kind: 'skipped'; running: string[] } | { kind: 'not-seen' };

const GRPC_INVALID_ARGUMENT = 3;
const TRIGGER_WAIT_MS = 10_000;
const TRIGGER_POLL_MS = 250;
const MEMO_KEY = 'keywarden';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorText(error: unknown): string {
  if (isGrpcServiceError(error)) return error.details || error.message;
  return error instanceof Error ? error.message : String(error);
}

function invalidArgument(error: unknown): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (isGrpcServiceError(cause) && Number(cause.code) === GRPC_INVALID_ARGUMENT) return errorText(cause);
  }
  return undefined;
}

function memoOf(memo: Record<string, unknown> | undefined): ScheduleMemo | undefined {
  const value = memo?.[MEMO_KEY] as ScheduleMemo | undefined;
  return value && typeof value.specId === 'string' ? value : undefined;
}

function runsOf(actions: ScheduleDescription['info']['recentActions']): ScheduledRun[] {
  return actions.map((a) => ({
    campaignId: a.action.workflow.workflowId,
    scheduledAt: a.scheduledAt.toISOString(),
    takenAt: a.takenAt.toISOString(),
  }));
}

/**
 * Creates a schedule whose every run is the campaign `keywarden rotate <spec>` would start (with
 * `inventory`, the one `rotate --dry-run` would): the same input, search attributes and task queue.
 * The schedule ID is the spec id; Temporal appends the scheduled time to the workflow ID, so each
 * run is the campaign `<spec id>-<scheduled time>`. A spec the same as another's is refused.
 */
export async function createCampaignSchedule(
  client: Client,
  target: { taskQueue: string; namespace: string },
  spec: CampaignSpec,
  opts: ScheduleCreateOptions,
): Promise<ScheduleDetails> {
  const start = campaignStartOptions(spec, target.taskQueue, { dryRun: opts.inventory });
  const memo: ScheduleMemo = {
    specId: spec.id,
    mode: opts.inventory ? 'inventory' : 'rotation',
    timing: opts.timing,
  };
  try {
    const handle = await client.schedule.create({
      scheduleId: spec.id,
      spec:
        opts.timing.kind === 'interval'
          ? { intervals: [{ every: opts.timing.everyMs }] }
          : { cronExpressions: [opts.timing.expression] },
      action: { type: 'startWorkflow', workflowId: spec.id, ...start },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: opts.catchupWindowMs },
      state: opts.paused
        ? { paused: true, note: 'created paused by keywarden schedule create --paused' }
        : {},
      memo: { [MEMO_KEY]: memo },
    });
    return await detailsOf(handle);
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) {
      throw new UsageError(
        `a schedule with ID ${spec.id} already exists (keywarden schedule describe ${spec.id}): ` +
          `delete it first (keywarden schedule delete ${spec.id}) or give the spec another id`,
      );
    }
    const notSetUp = missingSearchAttributesMessage(error, target.namespace);
    if (notSetUp !== undefined) throw new CliError(`could not create schedule ${spec.id}: ${notSetUp}`);
    // The SDK turns the server's "Invalid schedule spec" (a cron it cannot parse) into a TypeError.
    const refused = error instanceof TypeError ? error.message : invalidArgument(error);
    if (refused !== undefined) {
      const what = opts.timing.kind === 'cron' ? `--cron "${opts.timing.expression}"` : 'the schedule';
      throw new UsageError(`Temporal refused ${what}: ${refused}`);
    }
    throw new CliError(`could not create schedule ${spec.id}: ${errorText(error)}`);
  }
}

/** Every schedule that starts keywarden campaigns, sorted by ID. */
export async function listCampaignSchedules(client: Client): Promise<ScheduleOverview[]> {
  const found: ScheduleOverview[] = [];
  try {
    for await (const summary of client.schedule.list()) {
      const memo = memoOf(summary.memo);
      if (summary.action?.workflowType !== CAMPAIGN_WORKFLOW_TYPE || !memo) continue;
      found.push({
        scheduleId: summary.scheduleId,
        specId: memo.specId,
        mode: memo.mode,
        timing: memo.timing,
        paused: summary.state.paused,
        ...(summary.state.note ? { note: summary.state.note } : {}),
        nextRuns: summary.info.nextActionTimes.map((d) => d.toISOString()),
        recentRuns: runsOf(summary.info.recentActions),
      });
    }
  } catch (error) {
    throw new CliError(`could not list schedules: ${errorText(error)}`);
  }
  return found.sort((a, b) => (a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0));
}

async function describeHandle(handle: ScheduleHandle): Promise<ScheduleDescription> {
  try {
    return await handle.describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new UsageError(`no schedule with ID ${handle.scheduleId}: keywarden schedule list shows them`);
    }
    throw new CliError(`could not describe schedule ${handle.scheduleId}: ${errorText(error)}`);
  }
}

async function detailsOf(handle: ScheduleHandle): Promise<ScheduleDetails> {
  const d = await describeHandle(handle);
  const memo = memoOf(d.memo);
  if (d.action.workflowType !== CAMPAIGN_WORKFLOW_TYPE || !memo) {
    throw new UsageError(`schedule ${d.scheduleId} was not made by keywarden schedule create`);
  }
  return {
    scheduleId: d.scheduleId,
    specId: memo.specId,
    mode: memo.mode,
    timing: memo.timing,
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: runsOf(d.info.recentActions),
    overlapPolicy: d.policies.overlap ?? "unspecified (Temporal's default: SKIP)",
    catchupWindowMs: d.policies.catchupWindow,
    taskQueue: d.action.taskQueue ?? '',
    runningCampaigns: d.info.runningActions.map((a) => a.workflow.workflowId),
    runsTaken: d.info.numActionsTaken,
    skippedOverlapping: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    createdAt: d.info.createdAt.toISOString(),
  };
}

/** A handle on a keywarden schedule that is known to exist. */
async function keywardenSchedule(client: Client, scheduleId: string): Promise<ScheduleHandle> {
  const handle = client.schedule.getHandle(scheduleId);
  await detailsOf(handle);
  return handle;
}

export async function describeCampaignSchedule(client: Client, scheduleId: string): Promise<ScheduleDetails> {
  return detailsOf(client.schedule.getHandle(scheduleId));
}

export async function pauseCampaignSchedule(client: Client, scheduleId: string, note: string): Promise<void> {
  const handle = await keywardenSchedule(client, scheduleId);
  await handle.pause(note);
}

export async function unpauseCampaignSchedule(
  client: Client,
  scheduleId: string,
  note: string,
): Promise<void> {
  const handle = await keywardenSchedule(client, scheduleId);
  await handle.unpause(note);
}

/** Deletes the schedule only: campaigns it already started keep running. */
export async function deleteCampaignSchedule(client: Client, scheduleId: string): Promise<void> {
  const handle = await keywardenSchedule(client, scheduleId);
  await handle.delete();
}

/**
 * Runs the schedule's action now, under its own overlap policy (SKIP): while one of its campaigns
 * runs, nothing starts. Returns the campaign it started, as soon as the schedule records it.
 */
export async function triggerCampaignSchedule(
  client: Client,
  scheduleId: string,
  waitMs = TRIGGER_WAIT_MS,
): Promise<TriggerOutcome> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = await detailsOf(handle);
  const known = new Set(before.recentRuns.map((run) => run.campaignId));
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = await detailsOf(handle);
    const fresh = now.recentRuns.find((run) => !known.has(run.campaignId));
    if (fresh) return { kind: 'started', campaignId: fresh.campaignId };
    if (now.skippedOverlapping > before.skippedOverlapping) {
      return { kind: 'skipped', running: now.runningCampaigns };
    }
    if (Date.now() + TRIGGER_POLL_MS > deadline) return { kind: 'not-seen' };
    await sleep(TRIGGER_POLL_MS);
  }
}
