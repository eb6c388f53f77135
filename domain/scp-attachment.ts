import type { ApprovalState } from './approval-state';
import { leafHash, merkleRoot } from './plan-digest';

/** What approvers sign for: this policy text, under this name, attached to this OU. */
export function scpPlanDigest(ouId: string, policyName: string, policyText: string): string {
  return merkleRoot([leafHash('scp-attachment', ouId, policyName, policyText)]);
}

export type ScpAttachmentPhase =
  'checking-target' | 'awaiting-approval' | 'attaching' | 'attached' | 'rejected' | 'timed-out' | 'failed';

/** What an attachment run shows (its `status` query) and returns. */
export interface ScpAttachmentStatus {
  workflowId: string;
  ouId: string;
  ouName?: string;
  policyName: string;
  phase: ScpAttachmentPhase;
  approval: ApprovalState;
  policyId?: string;
  policyArn?: string;
  /** False when a policy of that name and document existed already. */
  created?: boolean;
  error?: string;
}

/** One attachment run per OU at a time. */
export function scpAttachmentWorkflowId(ouId: string): string {
  return `scp-attach-${ouId}`;
}
