import type { RecordedApproval, RejectedAttempt } from './approval';

export type DecisionOutcome = 'approved' | 'rejected' | 'timed-out' | 'cancelled';

/** A decision as passed from the gate that owns it down to the sagas that asked for it. */
export interface RoundDecision extends ApprovalDecision {
  /** Which opening of the gate this decision closes (a campaign may need more than one). */
  round: number;
}

/** What one saga receives: the decision, bound to the key whose deletion it asked for. */
export interface KeyDecision extends RoundDecision {
  accessKeyIds: string[];
}

/** Who stopped a campaign, and why. */
export interface AbortRequest {
  by: string;
  reason: string;
  at: string;
}

export interface ApprovalDecision {
  outcome: DecisionOutcome;
  /** Approvers (approved), the rejector, the canceller; empty for a timeout. */
  by: string[];
  at: string;
  reason: string;
}

/** What a gate shows in a status query, and what it carries across continue-as-new. */
export interface ApprovalState {
  requiredApprovals: number;
  approvers: string[];
  initiator: string;
  onTimeout: 'reject' | 'escalate';
  timeoutMs: number;
  approvals: RecordedApproval[];
  rejectedAttempts: RejectedAttempt[];
  openedAt?: string;
  deadline?: string;
  escalations: string[];
  decision?: ApprovalDecision;
  /** The gate opens once per round; earlier rounds' decisions, oldest first. */
  round: number;
  pastRounds: ApprovalDecision[];
}
