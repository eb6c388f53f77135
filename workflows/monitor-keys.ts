import {
  ApplicationFailure,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import { ErrorType } from '../domain/errors';
import { ZERO_COUNTS } from '../domain/monitor-counts';
import type * as MonitorInputModule from '../domain/monitor-input';
import type { MonitorCarriedState, MonitorStatus } from '../domain/monitor-input';
import { applyBatch } from '../domain/monitor-state';
import { failureMessage } from './failure-message';
import { monitorStatusQuery } from './monitor-messages';

const { checkMonitorQueue } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

// A poll may wait out its whole budget (at most 15 minutes) on an empty queue; it heartbeats between long polls.
const { pollMonitorQueue } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5s', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Each poll adds a handful of events: continue as new well before the history grows large. */
const MAX_POLLS_PER_RUN = 500;
const PAUSE_AFTER_FAILED_POLL = '1 minute';

/**
 * Watches the CloudTrail access-key events an EventBridge rule delivers to an SQS queue, and
 * keeps findings of keys changed outside keywarden. Runs until terminated; continues as new
 * with bounded state (counters, the latest findings, the keys keywarden deactivated).
 */
export async function monitorKeys(rawInput: unknown, carried?: MonitorCarriedState): Promise<void> {
  // Loaded here, not imported: every workflow of the bundle would build its schemas (see domain/lazily.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const { parseMonitorInput } = require('../domain/monitor-input') as typeof MonitorInputModule;
  const parsed = parseMonitorInput(rawInput);
  if (!parsed.ok) {
    throw ApplicationFailure.nonRetryable(`invalid monitor input:\n${parsed.message}`, ErrorType.InvalidSpec);
  }
  const input = parsed.input;
  let state: MonitorCarriedState = carried
    ? { ...carried, runs: carried.runs + 1 }
    : {
        startedAt: new Date().toISOString(),
        runs: 1,
        queueArn: '',
        counts: { ...ZERO_COUNTS },
        findings: [],
        contained: [],
        recentlySkipped: [],
      };
  let lastPollAt: string | undefined;
  let lastError: string | undefined;
  setHandler(monitorStatusQuery, (): MonitorStatus => {
    const status: MonitorStatus = { ...state, queueUrl: input.queueUrl };
    if (lastPollAt !== undefined) status.lastPollAt = lastPollAt;
    if (lastError !== undefined) status.lastError = lastError;
    return status;
  });

  if (carried === undefined)
    state.queueArn = (await checkMonitorQueue({ queueUrl: input.queueUrl })).queueArn;

  for (let polls = 0; ; polls += 1) {
    if (polls >= MAX_POLLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof monitorKeys>(input, state);
    }
    try {
      const batch = await pollMonitorQueue({
        queueUrl: input.queueUrl,
        waitTimeSeconds: input.waitTimeSeconds,
        pollBudgetSeconds: input.pollBudgetSeconds,
      });
      const applied = applyBatch(state, batch, input);
      state = applied.state;
      lastPollAt = new Date().toISOString();
      lastError = undefined;
      for (const alert of applied.alerts) {
        log.warn('KEY_REACTIVATED_AFTER_CONTAINMENT: a key keywarden deactivated was turned back on', {
          ...alert,
        });
      }
    } catch (error) {
      lastError = failureMessage(error);
      state = { ...state, counts: { ...state.counts, pollFailures: state.counts.pollFailures + 1 } };
      log.warn('monitor: polling the queue failed; trying again in a minute', { error: lastError });
      await sleep(PAUSE_AFTER_FAILED_POLL);
    }
  }
}
