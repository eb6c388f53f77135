import type { RecordedApproval, RejectedAttempt, SignedPart } from './approval';
import type { ProofStep } from './plan-digest';

export type DecisionOutcome = 'approved' | 'rejected' | 'timed-out' | 'cancelled';

/** A decision as passed from the gate that owns it down to the sagas that asked for it. */
export interface RoundDecision extends ApprovalDecision {
  /** Which opening of the gate this decision closes (a campaign may need more than one). */
  round: number;
  /** Campaign scope: the proof that the receiving account's plan is in the plan that was signed. */
  accountProof?: ProofStep[];
}

/** What one saga receives: the decision, bound to the key whose deletion it asked for. */
export interface KeyDecision extends RoundDecision {
  accessKeyIds: string[];
  /** The digest of the account's plan, and the proof that this saga's key is in it. */
  accountDigest?: string;
  keyProof?: ProofStep[];
}

/** Who stopped a campaign, and why; with signatures required, the signature it rests on. */
export interface AbortRequest {
  by: string;
  reason: string;
  at: string;
  comment?: string;
  signed?: SignedPart;
}

export interface ApprovalDecision {
  outcome: DecisionOutcome;
  /** Approvers (approved), the rejector, the canceller; empty for a timeout. */
  by: string[];
  at: string;
  reason: string;
  /** The approvals (or the rejection) the decision rests on: whoever receives it checks them itself. */
  approvals?: RecordedApproval[];
  /** The digest of the plan the decision was made for. */
  planDigest?: string;
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
  /** Refused messages dropped from `rejectedAttempts` (which keeps the latest 50). */
  rejectedAttemptsOmitted?: number;
  openedAt?: string;
  deadline?: string;
  escalations: string[];
  decision?: ApprovalDecision;
  /** The gate opens once per round; earlier rounds' decisions, oldest first. */
  round: number;
  pastRounds: ApprovalDecision[];
  /** off: approvals are names as typed, not authenticated; required: each carries a signature. */
  signatures?: 'off' | 'required';
  /** Where the approvers' public keys come from: the worker's registry, or the spec's author. */
  keySource?: 'registry' | 'spec';
  /** What awaits the decision in this round: approvers sign its digest. */
  plan?: { digest: string; summary: string };
}
