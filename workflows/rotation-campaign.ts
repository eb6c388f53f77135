import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  log,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import { judgeReject } from '../domain/approval';
import type { AbortRequest, RoundDecision } from '../domain/approval-state';
import type { CampaignCarryOver, CampaignInput } from '../domain/campaign-input';
import type { AccountRef } from '../domain/inventory';
import { campaignPlanLeaf, merkleProofs, merkleRoot } from '../domain/plan-digest';
import { effectiveSignatures } from '../domain/approver-registry';
import {
  addCounts,
  summaryOf,
  type AccountRotationReport,
  type AccountSummary,
  type CampaignPhase,
  type CampaignStatus,
} from '../domain/rotation-report';
import {
  KeywardenAccountId,
  KeywardenCampaignId,
  KeywardenKind,
  KeywardenPhase,
} from '../domain/search-attributes';
import { accountRotation, accountWorkflowId } from './account-rotation';
import {
  KEY_REGISTRY,
  PLAN_OFFERS,
  ApprovalGate,
  campaignGateConfig,
  refuseApprovals,
} from './approval-gate';
import { approverTeller, decisionWithNotices, MAX_NOTIFICATION_RECORDS, NOTIFICATIONS } from './notify';
import { ChildBook, CONCURRENT_CHILD_STARTS, quietly, type ChildEntry } from './child-book';
import { failureMessage } from './failure-message';
import {
  abortRotationSignal,
  abortSignal,
  accountDecisionSignal,
  accountProgressSignal,
  campaignStatusQuery,
  type AccountProgress,
} from './messages';
import { AccountProgressSchema, judged } from './message-schemas';
import { ProgressConfirmer, PROGRESS_CONFIRMED } from './progress-confirmer';
import { Reconciler } from './reconcile';

const { approverRegistry } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

// The activity heartbeats while it lists: a worker killed mid-list is noticed in 30 s, not 5 minutes.
const { listAccountsInScope } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});

/**
 * An org-wide rotation campaign: lists the accounts in scope and runs one accountRotation per
 * account. At most `maxAccountsInFlight` accounts do AWS work at once; an account whose sagas
 * only sleep or wait for the decision holds no slot, so a campaign over hundreds of accounts
 * reaches its approval about one adoption plus one grace window after it starts.
 *
 * It owns the campaign-scope gate, which opens (once per round) when every unfinished account is
 * ready, and passes each round's decision to exactly the accounts that were ready in it. It learns
 * that an account finished from the account's result; for accounts an earlier run started (before
 * a continue-as-new), from describing them. `abort` stops it: nothing new starts and every saga
 * that has not passed its point of no return is rolled back.
 */
export async function rotationCampaign(input: CampaignInput): Promise<CampaignStatus> {
  const { spec } = input;
  const campaignId = workflowInfo().workflowId;
  const carry: CampaignCarryOver = input.carry ?? {
    startedAt: new Date().toISOString(),
    continuedAsNew: 0,
    accountsInScope: 0,
    pending: [],
    accounts: [],
    finished: 0,
    notStarted: 0,
    failedAccounts: [],
    userCounts: {},
  };
  const campaignScope = spec.approval.scope === 'campaign';
  const gateConfig = campaignGateConfig(spec);
  const gate = new ApprovalGate(gateConfig, carry.approval);
  if (campaignScope) gate.listen();
  else refuseApprovalsHere(gate);

  const pending: AccountRef[] = [...carry.pending];
  const book = new ChildBook(carry.accounts);
  let phase: CampaignPhase = input.carry ? 'rotating' : 'listing-accounts';
  let error: string | undefined;
  let abort: AbortRequest | undefined = carry.aborted;
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
      started: carry.accountsInScope - pending.length - carry.notStarted,
      working: book.count('working'),
      waiting: book.count('waiting'),
      readyForApproval: book.count('awaiting'),
      finished: carry.finished,
      failed: carry.failedAccounts.length,
      notStarted: carry.notStarted,
    },
    users: carry.userCounts,
    usersWithoutKeys: carry.usersWithoutKeys ?? 0,
    usersAwaitingDecision: book.inState('awaiting').reduce((sum, e) => sum + (e.usersWaiting ?? 0), 0),
    failedAccounts: carry.failedAccounts,
    approval: gate.snapshot(),
    ...(abort === undefined ? {} : { aborted: abort }),
    ...(error === undefined ? {} : { error }),
    ...(carry.notifications === undefined ? {} : { notifications: carry.notifications }),
  });
  /** The Web UI's current details: where the campaign is and what it waits for. */
  const showDetails = () => {
    const a = status().accounts;
    setCurrentDetails(
      `Phase ${phase}. Accounts: ${a.inScope} in scope, ${a.working} working, ${a.waiting} sleeping through windows, ` +
        `${a.readyForApproval} ready for approval, ${a.finished} finished. Approval: ${gate.describe()}`,
    );
  };
  const setPhase = (next: CampaignPhase) => {
    if (next === phase && next !== 'listing-accounts') return;
    phase = next;
    upsertSearchAttributes([{ key: KeywardenPhase, value: next }]);
  };
  const accountFinished = (accountId: string, summary: Omit<AccountSummary, 'accountId'>) => {
    if (!book.finish(accountId)) return;
    carry.finished++;
    carry.userCounts = addCounts(carry.userCounts, summary.counts);
    carry.usersWithoutKeys = (carry.usersWithoutKeys ?? 0) + (summary.usersWithoutKeys ?? 0);
    if (summary.status === 'failed') {
      carry.failedAccounts.push({ accountId, error: summary.error ?? 'failed' });
    }
  };

  const tellApprovers = approverTeller(
    spec.notifications !== undefined && patched(NOTIFICATIONS) ? spec.notifications : undefined,
    spec.approval.approvers,
    sends,
    (record) => {
      carry.notifications = [...(carry.notifications ?? []), record].slice(-MAX_NOTIFICATION_RECORDS);
    },
  );

  // Declared before any handler that reads them: a signal may arrive in the first activation.
  let offered: string[] = [];
  let gateOpen = false;
  setHandler(campaignStatusQuery, status);
  const applyProgress = (progress: AccountProgress) => {
    if (!book.fresh(progress.accountId, progress.seq)) return;
    if (progress.stage === 'working') book.set(progress.accountId, 'working');
    else if (progress.stage === 'waiting') book.set(progress.accountId, 'waiting');
    else if (progress.stage === 'ready') {
      // Sent before the account applied the last decision: it would open a round nothing awaits.
      if ((progress.decidedRounds ?? 0) < gate.round - 1) return;
      book.set(progress.accountId, 'awaiting', {
        usersWaiting: progress.usersWaiting ?? 0,
        ...(progress.planDigest === undefined ? {} : { planDigest: progress.planDigest }),
      });
    } else book.markFinishing(progress.accountId);
    if (gateOpen && patched(PLAN_OFFERS)) offerPlan();
  };
  const confirmer = new ProgressConfirmer(book, AccountProgressSchema, false, (key, progress) => {
    if (progress.accountId === key) applyProgress(progress);
  });
  setHandler(
    accountProgressSignal,
    judged('keywarden.accountProgress', AccountProgressSchema, (progress) => {
      if (patched(PROGRESS_CONFIRMED)) confirmer.hint(progress.accountId);
      else applyProgress(progress);
    }),
  );
  for (const key of carry.unconfirmed ?? []) confirmer.hint(key);
  delete carry.unconfirmed;
  setHandler(abortSignal, (payload) => {
    const judgement = judgeReject(gateConfig, payload, gate.abortContext());
    if (!judgement.valid) return gate.refuse('abort', judgement);
    if (abort)
      return gate.refuse('abort', { valid: false, approver: judgement.approver, reason: 'already aborted' });
    abort = {
      by: judgement.approver,
      reason: judgement.comment ?? 'no reason given',
      at: new Date().toISOString(),
      ...(judgement.comment === undefined ? {} : { comment: judgement.comment }),
      ...(judgement.signed === undefined ? {} : { signed: judgement.signed }),
    };
    log.warn('campaign aborted', { by: abort.by });
  });

  if (!input.carry && patched(KEY_REGISTRY)) {
    try {
      carry.approverRegistry = await approverRegistry();
    } catch (failure) {
      error = `could not read the worker's approver key registry: ${failureMessage(failure)}`;
      setPhase('failed');
      return status();
    }
  }
  if (carry.approverRegistry) {
    const keyless = gate.useSignatures(effectiveSignatures(spec.approval, carry.approverRegistry));
    if (!input.carry && keyless.length > 0) {
      error =
        `approval.signatures is required but no public key is known for ${keyless.join(', ')}: add them to the ` +
        "worker's approver key registry (KEYWARDEN_APPROVER_KEYS) or to approval.publicKeys";
      setPhase('failed');
      return status();
    }
  }
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

  const startAccount = async (account: AccountRef) => {
    const workflowId = accountWorkflowId(campaignId, account.accountId);
    book.add(account.accountId, workflowId);
    try {
      const child = await startChild(accountRotation, {
        workflowId,
        args: [
          {
            campaignId,
            spec,
            account,
            campaignWorkflowId: campaignId,
            ...(carry.approverRegistry ? { approverRegistry: carry.approverRegistry } : {}),
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Rotate the access keys of account ${account.accountId} (campaign ${campaignId})`,
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'account-rotation' },
          { key: KeywardenCampaignId, value: campaignId },
          { key: KeywardenAccountId, value: account.accountId },
        ],
      });
      void child.result().then(
        (report: AccountRotationReport) => accountFinished(account.accountId, summaryOf(report)),
        (failure: unknown) =>
          accountFinished(account.accountId, {
            status: 'failed',
            counts: {},
            error: failureMessage(failure),
          }),
      );
    } catch (failure) {
      accountFinished(account.accountId, {
        status: 'failed',
        counts: {},
        error: `could not start the account workflow: ${failureMessage(failure)}`,
      });
    }
  };

  const leafOf = (entry: ChildEntry) => campaignPlanLeaf(entry.key, entry.planDigest ?? '');

  /**
   * Says what awaits the decision: every ready account and the digest of its own plan. Offered
   * again when an account's plan changes while the gate is open, which voids earlier approvals.
   */
  const offerPlan = () => {
    if (gate.decision) return;
    const accounts = book.inState('awaiting');
    const users = accounts.reduce((sum, e) => sum + (e.usersWaiting ?? 0), 0);
    offered = accounts.map(leafOf);
    gate.offer(
      merkleRoot(offered),
      `delete the old keys of ${users} user(s) in ${accounts.length} account(s), round ${gate.round}`,
    );
  };

  /** Passes a round's decision to every account in the plan decided, with its proof of inclusion. */
  const deliver = (decision: RoundDecision) => {
    const proofs = merkleProofs(offered);
    for (const entry of book.inState('awaiting')) {
      const accountProof = proofs.get(leafOf(entry));
      // Not in the plan decided: it waits for the next round (runs from before plans deliver to all).
      if (accountProof === undefined && patched(PLAN_OFFERS)) continue;
      sends.push(
        quietly(
          getExternalWorkflowHandle(entry.workflowId).signal(accountDecisionSignal, {
            ...decision,
            accountProof,
          }),
        ),
      );
      book.set(entry.key, 'working');
    }
  };

  let startedThisRun = 0;
  let abortForwarded = false;
  const reconciler = new Reconciler(book, 'account');
  for (;;) {
    if (abort && !abortForwarded) {
      abortForwarded = true;
      carry.notStarted += pending.splice(0).length;
      for (const entry of book.snapshot()) {
        sends.push(quietly(getExternalWorkflowHandle(entry.workflowId).signal(abortRotationSignal, abort)));
      }
      setPhase('aborting');
    }

    const starts: Array<Promise<void>> = [];
    while (!abort && pending.length > 0 && book.count('working') < spec.limits.maxAccountsInFlight) {
      // startAccount books the account before its first await, so the count above sees it.
      const start = startAccount(pending.shift() as AccountRef);
      startedThisRun++;
      if (patched(CONCURRENT_CHILD_STARTS)) starts.push(start);
      else await start;
    }
    await Promise.all(starts);
    if (pending.length === 0 && book.size === 0) break;

    if (reconciler.due()) {
      for (const closed of await reconciler.run()) {
        accountFinished(
          closed.key,
          closed.summary ?? {
            status: 'failed',
            counts: {},
            error: `the account workflow ended ${closed.status.toLowerCase()}`,
          },
        );
      }
      continue; // what it found may finish this workflow or free slots: look again
    }

    const ready = !abort && pending.length === 0 && book.allAwaiting();
    if (ready && campaignScope) {
      setPhase('awaiting-approval');
      offerPlan();
      showDetails();
      gateOpen = true;
      const decision = await decisionWithNotices(
        gate,
        campaignId,
        tellApprovers,
        () => upsertSearchAttributes([{ key: KeywardenPhase, value: 'approval-escalated' }]),
        () => abort !== undefined,
      );
      gateOpen = false;
      if (decision) {
        deliver({ ...decision, round: gate.round });
        gate.nextRound();
        setPhase('finishing');
      }
      continue;
    }
    if (!abort) setPhase(ready ? 'awaiting-approval' : book.count('awaiting') > 0 ? 'finishing' : 'rotating');

    if (startedThisRun >= spec.limits.continueAsNewAfterAccounts || workflowInfo().continueAsNewSuggested) {
      await Promise.all(sends);
      await confirmer.settle();
      await condition(allHandlersFinished);
      log.info('continuing as new', { startedThisRun, pending: pending.length, unfinished: book.size });
      const next: CampaignCarryOver = {
        ...carry,
        continuedAsNew: carry.continuedAsNew + 1,
        pending,
        accounts: book.snapshot(),
        approval: gate.snapshot(),
        ...(abort ? { aborted: abort } : {}),
        ...(confirmer.pending().length > 0 ? { unconfirmed: confirmer.pending() } : {}),
      };
      await continueAsNew<typeof rotationCampaign>({ spec, carry: next });
    }

    const seen = book.version();
    showDetails();
    await condition(
      () =>
        book.version() !== seen ||
        (abort !== undefined && !abortForwarded) ||
        (!abort && pending.length > 0 && book.count('working') < spec.limits.maxAccountsInFlight),
      reconciler.wakeInMs(),
    );
  }

  await Promise.all(sends);
  await confirmer.settle();
  await condition(allHandlersFinished);
  setPhase(abort ? 'aborted' : 'completed');
  showDetails();
  return status();
}

/** With approval.scope account, each account workflow has its own gate; say so instead of dropping the message. */
function refuseApprovalsHere(gate: ApprovalGate): void {
  refuseApprovals(
    '<campaign-id>/<account-id>',
    (signal, reason) => gate.refuse(signal, { valid: false, reason }),
    'this campaign approves per account (approval.scope: account): send the approval to the account ' +
      'workflow <campaign-id>/<account-id> instead',
  );
}
