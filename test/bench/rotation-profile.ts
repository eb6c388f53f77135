import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { RotationProfile, StepTimes } from './figures';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const millis = (event: HistoryEvent | undefined): number => {
  const time = event?.eventTime;
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
};

const emptySteps = (): StepTimes => ({ count: 0, queueMs: 0, runMs: 0 });

/** Adds one run's history to the profile. */
export function addHistory(profile: RotationProfile, events: readonly HistoryEvent[]): void {
  profile.historyEvents += events.length;
  const byId = new Map<number, HistoryEvent>();
  for (const event of events) byId.set(Number(event.eventId ?? 0), event);
  const scheduledOf = (id: unknown) => byId.get(Number(id ?? 0));
  for (const event of events) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const a = event.workflowTaskCompletedEventAttributes;
        const started = scheduledOf(a?.startedEventId);
        const scheduled = scheduledOf(a?.scheduledEventId);
        profile.workflowTasks.count++;
        profile.workflowTasks.queueMs += millis(started) - millis(scheduled);
        profile.workflowTasks.runMs += millis(event) - millis(started);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
        const a =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes;
        const scheduled = scheduledOf(a?.scheduledEventId);
        const started = scheduledOf(a?.startedEventId);
        const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
        const steps = (profile.activities[type] ??= { ...emptySteps(), retries: 0 });
        steps.count++;
        steps.retries += Math.max(0, (started?.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        // Retries happen inside one scheduled → started span: it counts as queue time.
        steps.queueMs += millis(started) - millis(scheduled);
        steps.runMs += millis(event) - millis(started);
        break;
      }
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        profile.signalsSent++;
        break;
      default:
        break;
    }
  }
}

/**
 * The profile of a campaign: every workflow run listed under its KeywardenCampaignId (its
 * accounts and sagas, every continue-as-new run included) and the campaign's own runs.
 */
export async function profileCampaign(client: Client, campaignId: string): Promise<RotationProfile> {
  const profile: RotationProfile = {
    workflowRuns: {},
    historyEvents: 0,
    workflowTasks: emptySteps(),
    activities: {},
    signalsSent: 0,
  };
  const seen = new Set<string>();
  const runs: Array<{ workflowId: string; runId: string; type: string }> = [];
  for await (const w of client.workflow.list({ query: `KeywardenCampaignId = "${campaignId}"` })) {
    runs.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  }
  for await (const w of client.workflow.list({ query: `WorkflowId = "${campaignId}"` })) {
    runs.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
  }
  for (const run of runs) {
    if (seen.has(run.runId)) continue;
    seen.add(run.runId);
    profile.workflowRuns[run.type] = (profile.workflowRuns[run.type] ?? 0) + 1;
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    addHistory(profile, history.events ?? []);
  }
  return profile;
}
