import type { NotificationRecord } from './notification-messages';
import type { ApprovalState } from './approval-state';

export type RevokePhase =
  | 'locating'
  | 'containing'
  | 'replacing'
  | 'awaiting-approval'
  | 'deleting'
  | 'deleted'
  | 'kept-inactive'
  | 'not-found'
  | 'outside-organization'
  | 'needs-attention'
  | 'failed';

/** Phases a revocation ends in. */
export const FINAL_REVOKE_PHASES: readonly RevokePhase[] = [
  'deleted',
  'kept-inactive',
  'not-found',
  'outside-organization',
  'needs-attention',
  'failed',
];

export interface KeyLastUse {
  /** ISO-8601; absent when IAM has no record of a use. */
  lastUsedDate?: string;
  service?: string;
  region?: string;
}

/** Identifiers only: the replacement's secret access key stays in Secrets Manager. */
export interface ReplacementKey {
  accessKeyId: string;
  secretName: string;
  secretArn: string;
  versionId: string;
  verified: boolean;
  promoted: boolean;
}

/** Who revoked what and when, and where it stands: the `status` query and the report. */
export interface RevokeStatus {
  workflowId: string;
  accessKeyId: string;
  reason: string;
  revokedBy: string;
  requestedAt: string;
  phase: RevokePhase;
  /** Why the run ended as it did (or what it waits for). */
  summary: string;
  accountId?: string;
  accountName?: string;
  userName?: string;
  keyCreatedAt?: string;
  /** The key's last use, read before it was deactivated. */
  lastUse?: KeyLastUse;
  deactivatedAt?: string;
  /** Sessions issued before this time are denied by the inline policy `sessionsPolicyName`. */
  sessionsDeniedBefore?: string;
  sessionsPolicyName?: string;
  replacement?: ReplacementKey;
  deletedAt?: string;
  approval?: ApprovalState;
  timeline: Array<{ at: string; event: string }>;
  error?: string;
  finishedAt?: string; /** With request.notifications: what each notification to the approvers came to. */
  notifications?: NotificationRecord[];
}
