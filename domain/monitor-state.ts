import { classifyKeyEvent, type DriftFinding, type KeywardenIdentity } from './key-drift';
import type { MonitorBatch, MonitorCarriedState, MonitorInput } from './monitor-input';

/** Skipped messages shown in the status (their IDs and why), newest first. */
export const MAX_SKIPPED_SHOWN = 20;

export interface AppliedBatch {
  state: MonitorCarriedState;
  /** KEY_REACTIVATED_AFTER_CONTAINMENT findings of this batch, to be raised at once. */
  alerts: DriftFinding[];
}

/**
 * The monitor's state after one batch: every access-key event judged in order, findings kept
 * newest first up to `maxFindings`, counters added up. Pure, so replays compute the same.
 */
export function applyBatch(
  state: MonitorCarriedState,
  batch: MonitorBatch,
  input: Pick<MonitorInput, 'keywardenRoleNames' | 'maxFindings' | 'maxContainedKeys'>,
): AppliedBatch {
  const identity: KeywardenIdentity = { roleNames: input.keywardenRoleNames };
  const counts = { ...state.counts };
  counts.messages += batch.messages;
  counts.ignored += batch.ignored;
  for (const skipped of batch.skipped) {
    if (skipped.kind === 'malformed') counts.skippedMalformed += 1;
    else counts.skippedNotCloudTrail += 1;
  }
  let contained = state.contained;
  const found: DriftFinding[] = [];
  for (const event of batch.events) {
    counts.keyEvents += 1;
    const judged = classifyKeyEvent(event, contained, identity, input.maxContainedKeys);
    contained = judged.contained;
    if (judged.outcome === 'keywarden') counts.keywardenEvents += 1;
    else if (judged.outcome === 'ignored') counts.ignored += 1;
    else if (judged.outcome === 'alert') counts.alerts += 1;
    else counts.findings += 1;
    if (judged.finding !== undefined) found.push(judged.finding);
  }
  return {
    state: {
      ...state,
      counts,
      contained,
      findings: [...[...found].reverse(), ...state.findings].slice(0, input.maxFindings),
      recentlySkipped: [...[...batch.skipped].reverse(), ...state.recentlySkipped].slice(
        0,
        MAX_SKIPPED_SHOWN,
      ),
    },
    alerts: found.filter((finding) => finding.severity === 'alert'),
  };
}
