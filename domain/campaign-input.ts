import type { ApproverRegistry } from './approver-registry';
import type { AbortRequest, ApprovalState } from './approval-state';
import type { CampaignSpec } from './campaign-spec';
import type { AccountRef } from './inventory';
import type { NotificationRecord } from './notification-messages';
import type { StatusCounts } from './rotation-report';

/** A child a campaign or account workflow has started and not seen finish, as carried across continue-as-new. */
export interface CarriedChild {
  key: string;
  workflowId: string;
  /** The run this parent started: a later rotation of the same user reuses the workflow ID. */
  runId?: string;
  state: 'working' | 'waiting' | 'awaiting';
  awaitingKey?: string;
  usersWaiting?: number;
  /** With 'awaiting', an account: the digest of its plan, as its 'ready' message gave it. */
  planDigest?: string;
  /** The sequence number of the last progress message applied: signals may arrive out of order. */
  seq?: number;
  /** Said it finished, and was started by an earlier run: describe it soon (carried, so no CAN loses it). */
  finishing?: boolean;
}

/** What a campaign run hands to the next one when it continues as new. */
export interface CampaignCarryOver {
  startedAt: string;
  continuedAsNew: number;
  accountsInScope: number;
  /** Accounts not started yet, in order. */
  pending: AccountRef[];
  /** Accounts started and not finished: their workflows keep running across continue-as-new. */
  accounts: CarriedChild[];
  finished: number;
  notStarted: number;
  failedAccounts: Array<{ accountId: string; error: string }>;
  userCounts: StatusCounts;
  usersWithoutKeys?: number;
  approval?: ApprovalState;
  aborted?: AbortRequest;
  /** Read once when the campaign started, and handed to every account. */
  approverRegistry?: ApproverRegistry;
  /** Children whose progress hint was not confirmed by asking them before the continue-as-new. */
  unconfirmed?: string[];
  /** The approvers' notifications so far (the latest few). */
  notifications?: NotificationRecord[];
}

export interface CampaignInput {
  spec: CampaignSpec;
  carry?: CampaignCarryOver;
}

/** What an account run hands to the next one when it continues as new. */
export interface AccountCarryOver {
  run: number;
  /** The last user name inventoried; the next page starts after it. */
  cursor?: string;
  inventoryDone: boolean;
  counts: StatusCounts;
  usersWithoutKeys: number;
  sagas: CarriedChild[];
  /** The last campaign decision round passed to the sagas. */
  decidedRounds: number;
  /** The sequence number of the last progress message sent to the campaign. */
  progressSeq?: number;
  /** That message, which the campaign asks for (its progress query) before acting on the signal. */
  lastProgress?: {
    accountId: string;
    stage: 'working' | 'waiting' | 'ready' | 'finished';
    usersWaiting?: number;
    decidedRounds?: number;
    planDigest?: string;
    seq: number;
  };
  /** Sagas whose progress hint was not confirmed by asking them before the continue-as-new. */
  unconfirmed?: string[];
  approval?: ApprovalState;
  /** With its own gate: the approvers' notifications so far (the latest few). */
  notifications?: NotificationRecord[];
  aborted?: AbortRequest;
}

export interface AccountRotationInput {
  campaignId: string;
  spec: CampaignSpec;
  account: AccountRef;
  /** Workflow ID of the campaign, to report progress to (its current run, whatever continue-as-new did). */
  campaignWorkflowId: string;
  /** The worker's approver key registry, as the campaign read it when it started. */
  approverRegistry?: ApproverRegistry;
  carry?: AccountCarryOver;
}
