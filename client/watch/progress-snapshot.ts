import type { OffboardingStatus } from '../../domain/offboarding-report';
import type { CampaignStatus } from '../../domain/rotation-report';
import { USER_STATUS_ORDER } from '../report/key-facts';
import { USER_STATE_ORDER, offboardedUserState } from '../report/offboarding';

/** What a progress view shows of one workflow at one moment, whatever its kind. */
export interface ProgressSnapshot {
  workflowId: string;
  phase: string;
  /** When the phase began; `approximate` when only the watcher saw it begin (no history record). */
  phaseSince?: { at: Date; approximate: boolean };
  accounts?: { done: number; total: number };
  /** Users by outcome, in the order reports use. */
  users: Array<{ outcome: string; count: number }>;
  /** RUNNING while it runs; COMPLETED, FAILED, TERMINATED, … once it has ended. */
  executionStatus: string;
}

export type SnapshotFields = Omit<ProgressSnapshot, 'phaseSince' | 'executionStatus'>;

export function campaignProgress(status: CampaignStatus): SnapshotFields {
  const a = status.accounts;
  const users: SnapshotFields['users'] = USER_STATUS_ORDER.filter((s) => (status.users[s] ?? 0) > 0).map(
    (outcome) => ({
      outcome,
      count: status.users[outcome] ?? 0,
    }),
  );
  if (status.usersAwaitingDecision > 0)
    users.push({ outcome: 'awaiting decision', count: status.usersAwaitingDecision });
  return {
    workflowId: status.campaignId,
    phase: status.phase,
    accounts: { done: a.finished + a.failed + a.notStarted, total: a.inScope },
    users,
  };
}

export function offboardingProgress(status: OffboardingStatus): SnapshotFields {
  const counts = new Map<string, number>();
  for (const user of status.users) {
    const state = offboardedUserState(user);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const searched = status.accountsSearched.length + (status.accountsSkipped ?? []).length;
  return {
    workflowId: status.workflowId,
    phase: status.phase,
    accounts: { done: searched, total: searched + status.accountsFailed.length },
    users: USER_STATE_ORDER.filter((s) => counts.has(s)).map((outcome) => ({
      outcome,
      count: counts.get(outcome) ?? 0,
    })),
  };
}

/** A kind without accounts or users to count (a revocation, an SCP attachment): the phase alone. */
export function phaseOnlyProgress(workflowId: string, status: { phase: string }): SnapshotFields {
  return { workflowId, phase: status.phase, users: [] };
}
