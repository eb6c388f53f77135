import type { ApproverRegistry } from './approver-registry';
import type { AbortRequest, ApprovalState, RoundDecision } from './approval-state';
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
  /** With 'awaiting', a shard: how many of its accounts wait for the decision. */
  accountsWaiting?: number;
  /** With 'awaiting', an account: the digest of its plan, as its 'ready' message gave it. */
  planDigest?: string;
  /** The sequence number of the last progress message applied: signals may arrive out of order. */
  seq?: number;
  /** Said it finished, and was started by an earlier run: describe it soon (carried, so no CAN loses it). */
  finishing?: boolean;
}

/**
 * An account's (or a shard's) stage, as its campaign counts slots: sent as a signal, answered to
 * the progress query, and carried across continue-as-new.
 */
export interface AccountProgress {
  /** An account ID, or a shard's key (`shard-<n>`). */
  accountId: string;
  /**
   * working: AWS work in progress; waiting: only sleeping sagas (holds no slot); ready: every
   * unfinished saga awaits the decision; finished: done (the campaign reads the result).
   */
  stage: 'working' | 'waiting' | 'ready' | 'finished';
  usersWaiting?: number;
  /** A shard's 'ready': how many of its accounts wait for the decision. */
  accountsWaiting?: number;
  /** The last campaign round whose decision this account has applied: a 'ready' older than the last decision is stale. */
  decidedRounds?: number;
  /** With 'ready': the digest of the account's plan (each saga's user and the key it asks to delete). */
  planDigest?: string;
  /** Increases with every message of this account, across its runs: signals can arrive out of order. */
  seq: number;
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
  /** Set when this campaign runs its accounts in shards: its children are shards, not accounts. */
  sharding?: CampaignSharding;
  /** A shard: the last round whose decision it took (passed on to its accounts, or refused). */
  decidedRounds?: number;
  /** A shard: decidedRounds, when its decision was refused (the campaign's own may still come). */
  refusedRound?: number;
  /** A shard: decisions received and not yet taken when the run continued as new. */
  passedDown?: RoundDecision[];
  /** Failed accounts counted but not listed in failedAccounts (which is bounded). */
  failedNotListed?: number;
  /** A shard: the sequence number of its last progress message to the campaign. */
  progressSeq?: number;
  /** A shard: that message, which the campaign asks for (its progress query) before acting on it. */
  lastProgress?: AccountProgress;
}

/** How a large campaign divides its accounts: decided once, when it has listed them. */
export interface CampaignSharding {
  accountsPerShard: number;
  /** Shards working at once; with accountsInFlightPerShard, at most limits.maxAccountsInFlight accounts. */
  shardsInFlight: number;
  accountsInFlightPerShard: number;
  shardsStarted: number;
}

/** What a campaign gives one shard: its accounts, and the gate and limits it works under. */
export interface CampaignShard {
  /** The campaign that owns the gate: approvals and aborts are signed for it, progress goes to it. */
  parentWorkflowId: string;
  index: number;
  accounts: AccountRef[];
  maxAccountsInFlight: number;
  approverRegistry?: ApproverRegistry;
}

export interface CampaignInput {
  spec: CampaignSpec;
  carry?: CampaignCarryOver;
  /** Set when this run is one shard of a larger campaign. */
  shard?: CampaignShard;
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
  lastProgress?: AccountProgress;
  /** Sagas whose progress hint was not confirmed by asking them before the continue-as-new. */
  unconfirmed?: string[];
  /** The campaign's decision received, and not yet passed on, when the run continued as new. */
  pendingDecision?: RoundDecision;
  approval?: ApprovalState;
  /** With its own gate: the approvers' notifications so far (the latest few). */
  notifications?: NotificationRecord[];
  aborted?: AbortRequest;
}

export interface AccountRotationInput {
  campaignId: string;
  spec: CampaignSpec;
  account: AccountRef;
  /** Workflow ID of the campaign (or its shard), to report progress to (its current run, whatever continue-as-new did). */
  campaignWorkflowId: string;
  /** The campaign whose gate decides, when that is not campaignWorkflowId (a sharded campaign). */
  gateWorkflowId?: string;
  /** The worker's approver key registry, as the campaign read it when it started. */
  approverRegistry?: ApproverRegistry;
  carry?: AccountCarryOver;
}
