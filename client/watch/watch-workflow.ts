import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, UsageError } from '../cli-error';
import type { TemporalSession } from '../temporal-connection';
import { errorText } from '../temporal-errors';
import { phaseEnteredAt } from './phase-history';
import type { ProgressSnapshot, SnapshotFields } from './progress-snapshot';
import type { ProgressView } from './progress-view';
import { workflowProgress } from './workflow-progress';

const MAX_FAILED_READS = 5;

export interface WatchOptions {
  pollMs: number;
  now?: () => Date;
}

/**
 * Shows the workflow's progress in `view` until it ends, reading it every `pollMs`, and returns
 * the last snapshot. A read that fails while the workflow runs (a busy worker) is retried; five
 * in a row end the watch with the error.
 */
export async function watchWorkflow(
  session: TemporalSession,
  workflowId: string,
  view: ProgressView,
  opts: WatchOptions,
): Promise<ProgressSnapshot> {
  const now = opts.now ?? (() => new Date());
  let last: ProgressSnapshot | undefined;
  let failures = 0;
  try {
    for (;;) {
      const described = await session.describe(workflowId);
      let fields: SnapshotFields | undefined;
      try {
        fields = await workflowProgress(session, described);
        failures = 0;
      } catch (error) {
        if (error instanceof UsageError) throw error;
        const ended = described.executionStatus !== 'RUNNING';
        // A run that failed or was terminated answers no query: show its end with the last phase.
        if (ended && last !== undefined) fields = last;
        else if (ended || ++failures >= MAX_FAILED_READS)
          throw error instanceof CliError ? error : new CliError(errorText(error));
      }
      if (fields !== undefined) {
        const phaseSince =
          last?.phase === fields.phase
            ? last.phaseSince
            : await phaseSinceOf(session, workflowId, fields.phase, now);
        last = { ...fields, phaseSince, executionStatus: described.executionStatus };
        view.update(last);
        if (described.executionStatus !== 'RUNNING') return last;
      }
      await sleep(opts.pollMs);
    }
  } finally {
    view.stop();
  }
}

async function phaseSinceOf(
  session: TemporalSession,
  workflowId: string,
  phase: string,
  now: () => Date,
): Promise<ProgressSnapshot['phaseSince']> {
  const history = await session.client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch(() => undefined);
  const at = history === undefined ? undefined : phaseEnteredAt(history.events ?? [], phase);
  return at === undefined ? { at: now(), approximate: true } : { at, approximate: false };
}
