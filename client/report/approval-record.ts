import type { ApprovalDecision, ApprovalState } from '../../domain/approval-state';

function decisionText(d: ApprovalDecision, strong: (text: string) => string): string {
  const by = d.by.length > 0 ? ` by ${d.by.join(', ')}` : '';
  const approvals =
    d.approvals !== undefined && d.approvals.length > 0
      ? ` (approvals: ${d.approvals.map((a) => `${a.approver} at ${a.at}`).join(', ')})`
      : '';
  return `${strong(d.outcome)}${by} at ${d.at}: ${d.reason}${approvals}`;
}

/**
 * The approval record as plain items: who may approve, who approved and when, refused attempts,
 * the decision of every round. `strong` marks up the outcome for formats that can emphasise.
 */
export function approvalRecordItems(
  approval: ApprovalState,
  strong: (text: string) => string = (text) => text,
): string[] {
  const items = [
    `Required approvals: ${approval.requiredApprovals} from ${approval.approvers.join(', ')} ` +
      `(initiator ${approval.initiator} may not approve)`,
  ];
  if (approval.deadline) items.push(`Deadline: ${approval.deadline} (on timeout: ${approval.onTimeout})`);
  for (const a of approval.approvals) {
    items.push(`Approved by ${a.approver} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`);
  }
  for (const r of approval.rejectedAttempts) {
    items.push(`Rejected attempt (${r.signal}) by ${r.approver ?? 'unknown'} at ${r.at}: ${r.reason}`);
  }
  for (const e of approval.escalations) items.push(`Escalation: ${e}`);
  // A gate moves its decision into pastRounds when it opens the next round (or finishes).
  (approval.pastRounds ?? []).forEach((d, i) => {
    items.push(`Round ${i + 1} decision: ${decisionText(d, strong)}`);
  });
  const d = approval.decision;
  if (d) items.push(`Decision: ${decisionText(d, strong)}`);
  else if ((approval.pastRounds ?? []).length === 0) items.push('Decision: pending');
  return items;
}
