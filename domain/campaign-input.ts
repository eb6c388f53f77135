import type { ApprovalState } from './approval-state';
import type { CampaignSpec } from './campaign-spec';
import type { AccountRef } from './inventory';
import type { StatusCounts } from './rotation-report';

/** What a campaign run hands to the next one when it continues as new. */
export interface CampaignCarryOver {
  startedAt: string;
  continuedAsNew: number;
  accountsInScope: number;
  /** Accounts not started yet, in order. */
  pending: AccountRef[];
  /** Accounts started and not finished: their workflows keep running across continue-as-new. */
  inFlight: string[];
  /** Accounts whose keys wait for the deletion decision, with how many users wait in each. */
  readyForApproval: Array<{ accountId: string; usersWaiting: number }>;
  finished: number;
  failedAccounts: Array<{ accountId: string; error: string }>;
  userCounts: StatusCounts;
  approval?: ApprovalState;
}

export interface CampaignInput {
  spec: CampaignSpec;
  carry?: CampaignCarryOver;
}

export interface AccountRotationInput {
  campaignId: string;
  spec: CampaignSpec;
  account: AccountRef;
  /** Workflow ID of the campaign, to report progress to (its current run, whatever continue-as-new did). */
  campaignWorkflowId: string;
}
