import type { ApprovalState } from '../../domain/approval-state';
import { samePrincipal } from '../../domain/ids';

/** Who a workflow at its gate waits for, as its status query shows the gate. */
export interface WaitingFor {
  requiredApprovals: number;
  approvedBy: string[];
  /** Listed approvers who have not approved yet, the initiator left out (four eyes). */
  mayApprove: string[];
  /** The initiator, who may reject or cancel but never approve. */
  initiator: string;
  signatures: 'off' | 'required';
  deadline?: string;
}

export function waitingFor(approval: ApprovalState): WaitingFor {
  const approvedBy = approval.approvals.map((a) => a.approver);
  const mayApprove = approval.approvers.filter(
    (who) => !samePrincipal(who, approval.initiator) && !approvedBy.some((done) => samePrincipal(done, who)),
  );
  return {
    requiredApprovals: approval.requiredApprovals,
    approvedBy,
    mayApprove,
    initiator: approval.initiator,
    signatures: approval.signatures ?? 'off',
    ...(approval.deadline === undefined ? {} : { deadline: approval.deadline }),
  };
}

/** "1 of 2 approvals (by alice@…); may approve: bob@…, carol@…; not the initiator dan@…; deadline …" */
export function waitingForText(w: WaitingFor): string {
  const got = `${w.approvedBy.length} of ${w.requiredApprovals} approvals${w.approvedBy.length > 0 ? ` (by ${w.approvedBy.join(', ')})` : ''}`;
  const who =
    w.mayApprove.length > 0
      ? `may approve: ${w.mayApprove.join(', ')}`
      : 'no listed approver left to approve';
  const deadline = w.deadline === undefined ? '' : `; deadline ${w.deadline}`;
  const signed = w.signatures === 'required' ? '; signed approvals only' : '';
  return `${got}; ${who}; not the initiator ${w.initiator}${signed}${deadline}`;
}
