import type { WorkflowHandle } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signedPayload, type ApprovalKey } from '../../../client/approval-keys';
import type { ApprovalState } from '../../../domain/approval-state';
import { publicKeyOf } from '../../../domain/approval-signature';
import { approveSignal } from '../../../workflows/messages';

export const INITIATOR = 'platform-team@example.com';
export const APPROVER = 'security-lead@example.com';
const SECOND_APPROVER = 'ciso@example.com';

function newKey(approver: string): ApprovalKey {
  const secretKey = new Uint8Array(randomBytes(32));
  return { approver, secretKey, publicKey: publicKeyOf(secretKey) };
}

/** Keys made for this run only: the approvers' and the initiator's, as `keygen` would make them. */
export function simApprovalKeys() {
  const keys = [newKey(APPROVER), newKey(SECOND_APPROVER), newKey(INITIATOR)];
  const approver = keys[0]!;
  return {
    approver,
    /** The approval settings of a campaign spec or an offboarding request: signatures required. */
    settings: {
      approvers: [APPROVER, SECOND_APPROVER],
      requiredApprovals: 1,
      signatures: 'required' as const,
      publicKeys: Object.fromEntries(keys.map((k) => [k.approver, k.publicKey])),
    },
  };
}

/**
 * Waits until the workflow's status shows a plan awaiting approval, then approves it as a
 * person would with `keywarden approve --key`: signing the workflow ID, round and plan digest.
 */
export async function approveWhenPlanned<S extends { phase: string; approval: ApprovalState }>(
  handle: WorkflowHandle,
  readStatus: () => Promise<S>,
  key: ApprovalKey,
  isWaiting: (status: S) => boolean,
  isOver: (status: S) => boolean,
): Promise<S> {
  for (;;) {
    const status = await readStatus();
    if (isOver(status))
      throw new Error(`${handle.workflowId} ended before its approval: phase ${status.phase}`);
    const plan = status.approval.plan;
    if (isWaiting(status) && plan !== undefined) {
      const payload = signedPayload(
        key,
        {
          workflowId: handle.workflowId,
          action: 'approve',
          round: status.approval.round,
          planDigest: plan.digest,
        },
        'scale simulation',
        60 * 60_000,
      );
      await handle.signal(approveSignal, payload);
      return status;
    }
    await sleep(1000);
  }
}
