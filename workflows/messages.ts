import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AbortRequest, KeyDecision, RoundDecision } from '../domain/approval-state';
import type { AccountProgress } from '../domain/campaign-input';
import type { AccountRotationReport, CampaignStatus, UserRotationReport } from '../domain/rotation-report';

// Sent by people (Temporal Web UI "Send a Signal", or the CLI). One JSON object:
// {"approver": "alice@example.com", "comment": "..."}. Typed unknown: the gate validates it.
export const approveSignal = defineSignal<[unknown]>('approve');
export const rejectSignal = defineSignal<[unknown]>('reject');
export const cancelSignal = defineSignal<[unknown]>('cancel');
/** Stops a campaign: `{"approver": "...", "comment": "why"}` from the initiator or a listed approver. */
export const abortSignal = defineSignal<[unknown]>('abort');

/** What an approve/reject/cancel update returns once the gate has recorded it. */
export interface GateVerdict {
  recorded: true;
  approvals: number;
  requiredApprovals: number;
  decision?: string;
}

// The same three as Updates: their validators refuse an invalid message before anything is
// recorded, so the CLI and the Web UI's "Send an Update" show the refusal at once.
export const approveUpdate = defineUpdate<GateVerdict, [unknown]>('approve');
export const rejectUpdate = defineUpdate<GateVerdict, [unknown]>('reject');
export const cancelUpdate = defineUpdate<GateVerdict, [unknown]>('cancel');

export const campaignStatusQuery = defineQuery<CampaignStatus>('status');
export const accountStatusQuery = defineQuery<AccountRotationReport>('status');
export const keyStatusQuery = defineQuery<UserRotationReport>('status');

// Between keywarden's own workflows. Progress signals only tell a parent when to look again and
// how many slots are busy; completion is learned from child results (or, for children started
// before a continue-as-new, from their final report and a reconciliation by describing them).

/** A saga's stage, as its account workflow counts slots. */
export interface KeyProgress {
  userName: string;
  /**
   * waiting: sleeping through a window (holds no slot); awaiting-decision: asks for the deletion
   * of `accessKeyId`; finished: done (the parent reads the result, never trusts this message for it).
   */
  stage: 'waiting' | 'awaiting-decision' | 'finished';
  accessKeyId?: string;
  /** Increases with every message of this saga: signals can arrive out of order. */
  seq: number;
}

export type { AccountProgress };

// Receivers judge every payload (message-schemas.ts): anyone who may signal can send these.
/**
 * The last progress message a child sent (null before its first): what a parent acts on, since a
 * signal's word alone could be anyone's (progress-confirmer.ts). Same name as PROGRESS_QUERY.
 */
export const accountProgressQuery = defineQuery<AccountProgress | null>('keywarden.progress');
export const keyProgressQuery = defineQuery<KeyProgress | null>('keywarden.progress');
export const accountProgressSignal = defineSignal<[AccountProgress]>('keywarden.accountProgress');
export const keyProgressSignal = defineSignal<[KeyProgress]>('keywarden.keyProgress');
/** The campaign's decision for one round, passed to the accounts that were ready in it. */
export const accountDecisionSignal = defineSignal<[RoundDecision]>('keywarden.accountDecision');
/** The decision passed to one saga, for the key it asked to delete. */
export const keyDecisionSignal = defineSignal<[KeyDecision]>('keywarden.keyDecision');
/** An abort, passed down from the campaign to its accounts and their sagas. */
export const abortRotationSignal = defineSignal<[AbortRequest]>('keywarden.abort');
