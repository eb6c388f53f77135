import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { ApprovalDecision } from '../domain/approval-state';
import type { CampaignCarryOver, CampaignInput } from '../domain/campaign-input';
import type { AccountRef } from '../domain/inventory';
import { addCounts, type CampaignPhase, type CampaignStatus } from '../domain/rotation-report';
import {
  KeywardenAccountId,
  KeywardenCampaignId,
  KeywardenKind,
  KeywardenPhase,
} from '../domain/search-attributes';
import { accountRotation, accountWorkflowId } from './account-rotation';
import { failureMessage } from './failure-message';
import { ApprovalGate, campaignGateConfig } from './approval-gate';
import { accountProgressSignal, campaignStatusQuery, deletionDecisionSignal } from './messages';

const { listAccountsInScope } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});

/**
 * An org-wide rotation campaign: lists the accounts in scope, runs one accountRotation per
 * account in a sliding window, owns the campaign-scope approval gate, and continues as new
 * before its history grows large. Account workflows outlive a continue-as-new (ABANDON) and
 * report back by signal to the campaign's workflow ID, which reaches whichever run is current.
 */
export async function rotationCampaign(input: CampaignInput): Promise<CampaignStatus> {
  const { spec } = input;
  const campaignId = workflowInfo().workflowId;
  const carry: CampaignCarryOver = input.carry ?? {
    startedAt: new Date().toISOString(),
    continuedAsNew: 0,
    accountsInScope: 0,
    pending: [],
    inFlight: [],
    readyForApproval: [],
    finished: 0,
    failedAccounts: [],
    userCounts: {},
  };
  const campaignScope = spec.approval.scope === 'campaign';
  const gate = new ApprovalGate(campaignGateConfig(spec), input.carry?.approval);
  if (campaignScope) gate.listen();

  const pending: AccountRef[] = [...carry.pending];
  const inFlight = new Set(carry.inFlight);
  const ready = new Map(carry.readyForApproval.map((r) => [r.accountId, r.usersWaiting]));
  let phase: CampaignPhase = input.carry ? 'rotating' : 'listing-accounts';
  let error: string | undefined;
  const sends: Array<Promise<void>> = [];

  const status = (): CampaignStatus => ({
    campaignId,
    name: spec.name,
    initiator: spec.initiator,
    dryRun: spec.dryRun,
    phase,
    startedAt: carry.startedAt,
    continuedAsNew: carry.continuedAsNew,
    accounts: {
      inScope: carry.accountsInScope,
      started: carry.accountsInScope - pending.length,
      readyForApproval: ready.size,
      finished: carry.finished,
      failed: carry.failedAccounts.length,
    },
    users: carry.userCounts,
    usersAwaitingDecision: [...ready.values()].reduce((sum, n) => sum + n, 0),
    failedAccounts: carry.failedAccounts,
    approval: gate.snapshot(),
    ...(error === undefined ? {} : { error }),
  });
  const setPhase = (next: CampaignPhase) => {
    phase = next;
    upsertSearchAttributes([{ key: KeywardenPhase, value: next }]);
  };
  const sendDecision = (accountId: string, decision: ApprovalDecision) => {
    sends.push(
      getExternalWorkflowHandle(accountWorkflowId(campaignId, accountId)).signal(
        deletionDecisionSignal,
        decision,
      ),
    );
  };

  setHandler(campaignStatusQuery, status);
  setHandler(accountProgressSignal, (progress) => {
    if (!inFlight.has(progress.accountId)) return; // a repeat after continue-as-new, already counted
    if (progress.stage === 'ready-for-approval') {
      ready.set(progress.accountId, progress.usersWaiting ?? 0);
      if (campaignScope && gate.decision) sendDecision(progress.accountId, gate.decision);
      return;
    }
    inFlight.delete(progress.accountId);
    ready.delete(progress.accountId);
    carry.finished++;
    if (progress.summary) {
      carry.userCounts = addCounts(carry.userCounts, progress.summary.counts);
      if (progress.summary.status === 'failed') {
        carry.failedAccounts.push({
          accountId: progress.accountId,
          error: progress.summary.error ?? 'failed',
        });
      }
    }
  });

  if (!input.carry) {
    setPhase('listing-accounts');
    try {
      pending.push(...(await listAccountsInScope(spec.scope)));
    } catch (failure) {
      error = `could not list the accounts in scope: ${failureMessage(failure)}`;
      setPhase('failed');
      return status();
    }
    carry.accountsInScope = pending.length;
  }
  setPhase('rotating');

  let startedThisRun = 0;
  let decisionBroadcast = campaignScope && gate.decision !== undefined;
  const working = () => inFlight.size - ready.size;
  while (pending.length > 0 || inFlight.size > 0) {
    while (pending.length > 0 && working() < spec.limits.maxAccountsInFlight) {
      const account = pending.shift() as AccountRef;
      await startChild(accountRotation, {
        workflowId: accountWorkflowId(campaignId, account.accountId),
        args: [{ campaignId, spec, account, campaignWorkflowId: campaignId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'account-rotation' },
          { key: KeywardenCampaignId, value: campaignId },
          { key: KeywardenAccountId, value: account.accountId },
        ],
      });
      inFlight.add(account.accountId);
      startedThisRun++;
    }

    if (startedThisRun >= spec.limits.continueAsNewAfterAccounts || workflowInfo().continueAsNewSuggested) {
      await Promise.all(sends);
      await condition(allHandlersFinished);
      log.info('continuing as new', { startedThisRun, pending: pending.length, inFlight: inFlight.size });
      const next: CampaignCarryOver = {
        ...carry,
        continuedAsNew: carry.continuedAsNew + 1,
        pending,
        inFlight: [...inFlight],
        readyForApproval: [...ready].map(([accountId, usersWaiting]) => ({ accountId, usersWaiting })),
        approval: gate.snapshot(),
      };
      await continueAsNew<typeof rotationCampaign>({ spec, carry: next });
    }

    const allWaiting = pending.length === 0 && inFlight.size > 0 && ready.size === inFlight.size;
    if (allWaiting && campaignScope && !gate.decision) {
      setPhase('awaiting-approval');
      await gate.waitForDecision(async () => {
        upsertSearchAttributes([{ key: KeywardenPhase, value: 'approval-escalated' }]);
        return Promise.resolve();
      });
      setPhase('finishing');
    }
    if (campaignScope && gate.decision && !decisionBroadcast) {
      decisionBroadcast = true;
      for (const accountId of ready.keys()) sendDecision(accountId, gate.decision);
    }
    if (!campaignScope && allWaiting && (phase as CampaignPhase) !== 'awaiting-approval')
      setPhase('awaiting-approval');

    const before = {
      pending: pending.length,
      inFlight: inFlight.size,
      ready: ready.size,
      decided: !!gate.decision,
    };
    await condition(
      () =>
        inFlight.size !== before.inFlight ||
        ready.size !== before.ready ||
        (campaignScope && !!gate.decision !== before.decided) ||
        (pending.length > 0 && working() < spec.limits.maxAccountsInFlight),
    );
  }

  await Promise.all(sends);
  await condition(allHandlersFinished);
  setPhase('completed');
  return status();
}
