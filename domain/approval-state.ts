import type { RecordedApproval, RejectedAttempt } from './approval';

export type DecisionOutcome = 'approved' | 'rejected' | 'timed-out' | 'cancelled';

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
}
