import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ApprovalDecision } from '../domain/approval-state';
import type {
  AccountRotationReport,
  AccountSummary,
  CampaignStatus,
  UserRotationReport,
} from '../domain/rotation-report';

// Sent by people (Temporal Web UI "Send a Signal", or the CLI). One JSON object:
// {"approver": "alice@example.com", "comment": "..."}. Typed unknown: the gate validates it.
export const approveSignal = defineSignal<[unknown]>('approve');
export const rejectSignal = defineSignal<[unknown]>('reject');
export const cancelSignal = defineSignal<[unknown]>('cancel');

export const campaignStatusQuery = defineQuery<CampaignStatus>('status');
export const accountStatusQuery = defineQuery<AccountRotationReport>('status');
export const keyStatusQuery = defineQuery<UserRotationReport>('status');

// Between keywarden's own workflows.
export interface AccountProgress {
  accountId: string;
  stage: 'ready-for-approval' | 'finished';
  /** With 'ready-for-approval': how many users wait for the decision. */
  usersWaiting?: number;
  summary?: AccountSummary;
}
export interface KeyProgress {
  userName: string;
  stage: 'awaiting-decision';
}
export const accountProgressSignal = defineSignal<[AccountProgress]>('keywarden.accountProgress');
export const keyProgressSignal = defineSignal<[KeyProgress]>('keywarden.keyProgress');
/** The deletion decision, passed down from the gate that owns it to the sagas that wait on it. */
export const deletionDecisionSignal = defineSignal<[ApprovalDecision]>('keywarden.deletionDecision');
