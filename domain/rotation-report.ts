import type { ApprovalState } from './approval-state';
import type { AccountFinding, Finding } from './findings';
import type { AccessKeyFacts } from './inventory';
import type { NotificationRecord } from './notification-messages';
import type { SelectionAction } from './selection';

/** Where one user's rotation ended, as an auditor reads it. */
export type UserRotationStatus =
  | 'in-progress'
  | 'inventoried' // dry run: nothing changed
  | 'skipped'
  | 'needs-attention'
  | 'rotated' // new key live, old key deleted after approval
  | 'rolled-back' // rejection or timeout: old key reactivated, new key kept
  | 'compensated' // failure before deactivation: new key deleted, secret put back
  | 'failed';

export interface TimelineEntry {
  at: string;
  event: string;
}

export interface UserRotationReport {
  accountId: string;
  userName: string;
  action: SelectionAction;
  reason: string;
  status: UserRotationStatus;
  keys: Array<AccessKeyFacts & { findings: Finding[] }>;
  oldAccessKeyId?: string;
  newAccessKeyId?: string;
  secretArn?: string;
  secretVersionId?: string;
  /** The new key's description, as its IAM tag says (made by, created, stored in). */
  newKeyDescription?: string;
  deletedAccessKeyIds: string[];
  /** The old key's last use as seen at the end of the adoption window. */
  oldKeyLastUsed?: string;
  /** Whether something still used the old key during the adoption window. */
  oldKeyUsedDuringAdoption?: boolean;
  error?: string;
  timeline: TimelineEntry[];
  /** With spec.notifications: the key's owner, from the first owner tag the user carries. */
  owner?: string;
  /** With spec.notifications: the user carries none of notifications.ownerTags. */
  noOwnerTag?: boolean;
  /** The notifications sent to the owner, and those that failed. */
  notifications?: NotificationRecord[];
}

export type AccountRotationStatus = 'in-progress' | 'completed' | 'failed' | 'inventoried';

export interface AccountRotationReport {
  campaignId: string;
  accountId: string;
  accountName: string;
  ouName?: string;
  status: AccountRotationStatus;
  error?: string;
  /**
   * The users this run of the account workflow took on or heard the end of. An account with many
   * users continues as new: its report is the union of its runs, later runs winning per user.
   */
  users: UserRotationReport[];
  /** Final status counts over every run (users without keys are counted apart). */
  counts?: StatusCounts;
  usersWithoutKeys?: number;
  /**
   * Findings about principals rather than keys (console users without MFA, users with a password
   * and keys, the root user's keys) of the inventory pages this run read.
   */
  findings?: AccountFinding[];
  /** How many times this account workflow continued as new before this run. */
  run?: number;
  approval?: ApprovalState;
  /** With approval.scope account and spec.notifications: its approvers' notifications (the latest few). */
  notifications?: NotificationRecord[];
  /** Messages this account refused (decisions passed on, approvals sent to it), with why. */
  refused?: string[];
}

export type StatusCounts = Partial<Record<UserRotationStatus, number>>;

export function countStatuses(users: readonly UserRotationReport[]): StatusCounts {
  const counts: StatusCounts = {};
  for (const user of users) counts[user.status] = (counts[user.status] ?? 0) + 1;
  return counts;
}

export function addCounts(into: StatusCounts, more: StatusCounts): StatusCounts {
  const result: StatusCounts = { ...into };
  for (const [status, n] of Object.entries(more) as Array<[UserRotationStatus, number]>) {
    result[status] = (result[status] ?? 0) + n;
  }
  return result;
}

export type CampaignPhase =
  | 'listing-accounts'
  | 'rotating'
  | 'awaiting-approval'
  | 'finishing'
  | 'aborting'
  | 'aborted'
  | 'completed'
  | 'failed';

export interface AccountSummary {
  accountId: string;
  status: AccountRotationStatus;
  counts: StatusCounts;
  usersWithoutKeys?: number;
  error?: string;
}

export interface CampaignStatus {
  campaignId: string;
  name: string;
  initiator: string;
  dryRun: boolean;
  phase: CampaignPhase;
  startedAt: string;
  /** How many times the campaign has continued as new; its history stays small. */
  continuedAsNew: number;
  accounts: {
    inScope: number;
    started: number;
    /** Accounts doing AWS work now: each holds one of limits.maxAccountsInFlight. */
    working: number;
    /** Accounts whose sagas only sleep through a window: they hold no slot. */
    waiting: number;
    readyForApproval: number;
    finished: number;
    failed: number;
    /** Accounts never started because the campaign was aborted. */
    notStarted: number;
  };
  /** Users (with access keys) of finished accounts, by final status. */
  users: StatusCounts;
  /** Users of finished accounts that hold no access key: counted from the credential report, not listed. */
  usersWithoutKeys: number;
  /** Users whose old key waits for the deletion decision (in accounts not finished yet). */
  usersAwaitingDecision: number;
  failedAccounts: Array<{ accountId: string; error: string }>;
  approval: ApprovalState;
  aborted?: { by: string; reason: string; at: string };
  error?: string;
  /** With spec.notifications: the approvers' notifications (the latest few), sent or failed. */
  notifications?: NotificationRecord[];
  /**
   * A campaign run in shards: its working, waiting and ready counts are of shards, each of which
   * (workflow <campaign-id>/shard-<n>) answers this query for its own accounts.
   */
  shards?: { accountsPerShard: number; total: number; started: number };
  /** This is one shard of the campaign parentWorkflowId. */
  shard?: { parentWorkflowId: string; index: number };
}

/** What the campaign keeps of an account: counts, not every user (a campaign may span 10,000 accounts). */
export function summaryOf(report: AccountRotationReport): AccountSummary {
  return {
    accountId: report.accountId,
    status: report.status,
    counts: report.counts ?? countStatuses(report.users),
    ...(report.usersWithoutKeys === undefined ? {} : { usersWithoutKeys: report.usersWithoutKeys }),
    ...(report.error === undefined ? {} : { error: report.error }),
  };
}
