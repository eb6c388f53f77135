import type { ApprovalDecision, ApprovalState } from '../../domain/approval-state';
import type { UserRotationReport } from '../../domain/rotation-report';

/** Who approved one destructive action, and when; taken from the approval gate's record. */
export interface ActionApproval {
  approvers: Array<{ approver: string; at: string }>;
  /** When the gate decided. */
  decidedAt: string;
  /** When the saga received the decision for this key. */
  receivedAt: string;
}

function decisionsOf(gate: ApprovalState): ApprovalDecision[] {
  return [...gate.pastRounds, ...(gate.decision ? [gate.decision] : [])];
}

/**
 * The approval behind deleting `accessKeyId`: the saga's timeline notes when it received an
 * approved decision for that key, and the gate (the account's with approval.scope account, else
 * the campaign's) recorded who approved that decision. The decision is the latest approved one
 * made before the saga received it; undefined when no record matches.
 */
export function deletionApproval(
  user: UserRotationReport,
  accessKeyId: string,
  gate: ApprovalState | undefined,
): ActionApproval | undefined {
  const received = [...user.timeline]
    .reverse()
    .find((e) => e.event.startsWith(`decision on key ${accessKeyId}: approved`));
  if (received === undefined || gate === undefined) return undefined;
  const approved = decisionsOf(gate).filter((d) => d.outcome === 'approved');
  const receivedMs = Date.parse(received.at);
  const before = approved.filter((d) => Date.parse(d.at) <= receivedMs);
  const decision =
    before.length > 0
      ? before.reduce((latest, d) => (Date.parse(d.at) > Date.parse(latest.at) ? d : latest))
      : approved.length === 1
        ? approved[0]
        : undefined;
  if (decision === undefined) return undefined;
  const approvers =
    decision.approvals !== undefined && decision.approvals.length > 0
      ? decision.approvals.map((a) => ({ approver: a.approver, at: a.at }))
      : decision.by.map((approver) => ({ approver, at: decision.at }));
  return { approvers, decidedAt: decision.at, receivedAt: received.at };
}

/** e.g. "security-lead@example.com at 2025-05-31T23:30:00.000Z; ciso@example.com at ...". */
export function approversText(approval: ActionApproval | undefined): string {
  if (approval === undefined) return 'no approval record found';
  return approval.approvers.map((a) => `${a.approver} at ${a.at}`).join('; ');
}
