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
import { effectiveSignatures } from '../domain/effective-signatures';
import { abortProblem, approvalProblem, rejectionProblem } from '../domain/decision-check';
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
  decisionAuthority,
  refuseApprovals,
} from './approval-gate';
import {
  DEFAULT_ACCOUNTS_PER_SHARD,
  SHARDED_CAMPAIGNS,
  SHARD_FAILURES_LISTED,
  nextShardSize,
  campaignShardWorkflowId,
  decisionsForAccounts,
  mergeShard,
  planSharding,
  shardKey,
  shardPlanProblem,
} from './campaign-shards';
import { approverTeller, decisionWithNotices, MAX_NOTIFICATION_RECORDS, NOTIFICATIONS } from './notify';
import { ChildBook, CONCURRENT_CHILD_STARTS, quietly, type ChildEntry } from './child-book';
import { listAccountsThrough } from './account-listing';
import { failureMessage } from './failure-message';
import {
  abortRotationSignal,
  abortSignal,
  accountDecisionSignal,
  accountProgressQuery,
  accountProgressSignal,
  campaignStatusQuery,
  type AccountProgress,
} from './messages';
import { judged } from './judged';
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
 * An abort (or approve, reject) sent with a campaign's start, or as a run continues as new, waits
 * until the approver key registry is read (or taken from the carry) and is judged by its signature
 * rules; runs started before judged it at once by the spec's rules, so an unsigned abort could
 * stop a campaign whose registry requires signatures.
 */
export const CAMPAIGN_MESSAGES_WAIT_FOR_REGISTRY = 'campaign-messages-wait-for-registry';

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
  const { spec, shard } = input;
  const selfId = workflowInfo().workflowId;
  // A shard's accounts belong to its parent's campaign: their IDs, reports and gate are the campaign's.
  const campaignId = shard?.parentWorkflowId ?? selfId;
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
    ...(shard?.approverRegistry ? { approverRegistry: shard.approverRegistry } : {}),
  };
  const campaignScope = spec.approval.scope === 'campaign';
  const gateConfig = campaignGateConfig(spec);
  const gate = new ApprovalGate(gateConfig, carry.approval);
  // Before any handler is set: a message sent with the start is delivered as its handler is set.
  // A run continued as new holds too: its gate takes the registry's rules from the carry below.
  const holdsMessages = !shard && patched(CAMPAIGN_MESSAGES_WAIT_FOR_REGISTRY);
  if (holdsMessages) gate.holdUntilSignaturesKnown();
  if (shard) refuseHereForCampaign(gate, campaignId);
  else if (campaignScope) gate.listen();
  else refuseApprovalsHere(gate);
  /** Accounts (or, sharded, shards) doing AWS work at once. */
  const inFlightLimit = () =>
    carry.sharding?.shardsInFlight ?? shard?.maxAccountsInFlight ?? spec.limits.maxAccountsInFlight;

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
      readyForApproval: book.inState('awaiting').reduce((sum, e) => sum + (e.accountsWaiting ?? 1), 0),
      finished: carry.finished,
      failed: carry.failedAccounts.length + (carry.failedNotListed ?? 0),
      notStarted: carry.notStarted,
    },
    users: carry.userCounts,
    usersWithoutKeys: carry.usersWithoutKeys ?? 0,
    usersAwaitingDecision: book.inState('awaiting').reduce((sum, e) => sum + (e.usersWaiting ?? 0), 0),
    // A shard's result lists a sample: the campaign describes up to 20 shards in one activity result.
    failedAccounts: shard ? carry.failedAccounts.slice(0, SHARD_FAILURES_LISTED) : carry.failedAccounts,
    approval: gate.snapshot(),
    ...(abort === undefined ? {} : { aborted: abort }),
    ...(error === undefined ? {} : { error }),
    ...(carry.notifications === undefined ? {} : { notifications: carry.notifications }),
    ...(carry.sharding === undefined
      ? {}
      : {
          shards: {
            accountsPerShard: carry.sharding.accountsPerShard,
            total: Math.ceil(carry.accountsInScope / carry.sharding.accountsPerShard),
            started: carry.sharding.shardsStarted,
          },
        }),
    ...(shard === undefined
      ? {}
      : { shard: { parentWorkflowId: shard.parentWorkflowId, index: shard.index } }),
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
  const shardFinished = (key: string, shardStatus: CampaignStatus) => {
    if (book.finish(key)) mergeShard(carry, key, shardStatus);
  };
  const shardLost = (key: string, error: string) => {
    if (!book.finish(key)) return;
    carry.failedAccounts.push({
      accountId: key,
      error: `${error}; its accounts were not counted (their workflows ${campaignId}/<account-id> may still run)`,
    });
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
  let planChanges = 0;
  /** A shard: decisions passed down, in the order they arrived (a refused one must not hide the next). */
  const parentDecisions: RoundDecision[] = [...(carry.passedDown ?? [])];
  delete carry.passedDown;
  /**
   * A shard takes each round once, as an account does, so that it asks again after refusing one:
   * a round it refused may still come with the campaign's own decision (a message of the same
   * round that failed the checks must not hide it).
   */
  const wantsRound = (round: number) =>
    round > (carry.decidedRounds ?? 0) || (round === carry.decidedRounds && carry.refusedRound === round);
  setHandler(campaignStatusQuery, status);
  const applyProgress = (progress: AccountProgress) => {
    if (!book.fresh(progress.accountId, progress.seq)) return;
    if (progress.stage === 'working') book.set(progress.accountId, 'working');
    else if (progress.stage === 'waiting') book.set(progress.accountId, 'waiting');
    else if (progress.stage === 'ready') {
      // Sent before the account applied the last decision: it would open a round nothing awaits.
      const round = shard ? (carry.decidedRounds ?? 0) + 1 : gate.round;
      if ((progress.decidedRounds ?? 0) < round - 1) return;
      book.set(progress.accountId, 'awaiting', {
        usersWaiting: progress.usersWaiting ?? 0,
        ...(progress.accountsWaiting === undefined ? {} : { accountsWaiting: progress.accountsWaiting }),
        ...(progress.planDigest === undefined ? {} : { planDigest: progress.planDigest }),
      });
      if (shard) planChanges++;
    } else book.markFinishing(progress.accountId);
    if (gateOpen && patched(PLAN_OFFERS)) offerPlan();
  };
  const confirmer = new ProgressConfirmer(book, 'AccountProgressSchema', false, (key, progress) => {
    if (progress.accountId === key) applyProgress(progress);
  });
  setHandler(
    accountProgressSignal,
    judged('keywarden.accountProgress', 'AccountProgressSchema', (progress) => {
      if (patched(PROGRESS_CONFIRMED)) confirmer.hint(progress.accountId);
      else applyProgress(progress);
    }),
  );
  for (const key of carry.unconfirmed ?? []) confirmer.hint(key);
  delete carry.unconfirmed;
  setHandler(abortSignal, (payload) => gate.whenJudgeable(() => abortCampaign(payload)));
  function abortCampaign(payload: unknown): void {
    if (shard) {
      return gate.refuse('abort', {
        valid: false,
        reason: `this is one shard of the campaign ${campaignId}: send the abort to the campaign`,
      });
    }
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
  }
  // A shard checks what the campaign passes down as an account does: signed for the campaign.
  const authority = decisionAuthority(spec, campaignId, selfId, carry.approverRegistry);
  if (shard) {
    setHandler(accountProgressQuery, () => carry.lastProgress ?? null);
    setHandler(
      accountDecisionSignal,
      judged('keywarden.accountDecision', 'RoundDecisionSchema', (decision) => {
        if (wantsRound(decision.round)) parentDecisions.push(decision);
      }),
    );
    setHandler(
      abortRotationSignal,
      judged('keywarden.abort', 'AbortRequestSchema', (request) => {
        if (abort) return;
        const problem = abortProblem(authority, campaignId, request, Date.now());
        if (problem !== undefined) return gate.refuse('abort', { valid: false, reason: problem });
        abort = request;
      }),
    );
  }

  if (!input.carry && !shard && patched(KEY_REGISTRY)) {
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
  } else if (holdsMessages) {
    gate.useSignatures(effectiveSignatures(spec.approval, undefined)); // never left holding
  }
  if (!input.carry) {
    setPhase('listing-accounts');
    try {
      pending.push(...(shard ? shard.accounts : await listAccountsThrough(listAccountsInScope, spec.scope)));
    } catch (failure) {
      error = `could not list the accounts in scope: ${failureMessage(failure)}`;
      setPhase('failed');
      return status();
    }
    carry.accountsInScope = pending.length;
    const perShard = spec.limits.accountsPerShard ?? DEFAULT_ACCOUNTS_PER_SHARD;
    if (!shard && pending.length > perShard && patched(SHARDED_CAMPAIGNS)) {
      carry.sharding = planSharding(pending.length, perShard, spec.limits.maxAccountsInFlight);
      log.info('running the accounts in shards', { ...carry.sharding, accounts: pending.length });
    }
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
            campaignWorkflowId: selfId,
            ...(shard ? { gateWorkflowId: campaignId } : {}),
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

  const startShard = async (index: number, accounts: AccountRef[]) => {
    const key = shardKey(index);
    const workflowId = campaignShardWorkflowId(campaignId, index);
    book.add(key, workflowId);
    try {
      const child = await startChild(rotationCampaign, {
        workflowId,
        args: [
          {
            spec,
            shard: {
              parentWorkflowId: campaignId,
              index,
              accounts,
              maxAccountsInFlight: carry.sharding?.accountsInFlightPerShard ?? 1,
              ...(carry.approverRegistry ? { approverRegistry: carry.approverRegistry } : {}),
            },
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Rotate the access keys of ${accounts.length} account(s), shard ${index} of campaign ${campaignId}`,
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'campaign-shard' },
          { key: KeywardenCampaignId, value: campaignId },
        ],
      });
      void child.result().then(
        (shardStatus: CampaignStatus) => shardFinished(key, shardStatus),
        (failure: unknown) => shardLost(key, `the shard ended without a result: ${failureMessage(failure)}`),
      );
    } catch (failure) {
      shardLost(key, `could not start the shard workflow: ${failureMessage(failure)}`);
    }
  };

  /** Starts the next account or, sharded, the next shard of accounts. */
  const startNext = (): Promise<void> => {
    if (carry.sharding === undefined) return startAccount(pending.shift() as AccountRef);
    const accounts = pending.splice(0, nextShardSize(carry.sharding, carry.accountsInScope, pending.length));
    return startShard(carry.sharding.shardsStarted++, accounts);
  };

  // A sharded campaign's plan is built of its shards' roots: each account's proof then runs
  // through its shard's tree into this one, and the account checks it against what was signed.
  const leafOf = (entry: ChildEntry) =>
    carry.sharding ? (entry.planDigest ?? '') : campaignPlanLeaf(entry.key, entry.planDigest ?? '');

  /**
   * Says what awaits the decision: every ready account and the digest of its own plan. Offered
   * again when an account's plan changes while the gate is open, which voids earlier approvals.
   */
  const offerPlan = () => {
    if (gate.decision) return;
    const awaiting = book.inState('awaiting');
    const users = awaiting.reduce((sum, e) => sum + (e.usersWaiting ?? 0), 0);
    const accounts = awaiting.reduce((sum, e) => sum + (e.accountsWaiting ?? 1), 0);
    offered = awaiting.map(leafOf);
    gate.offer(
      merkleRoot(offered),
      `delete the old keys of ${users} user(s) in ${accounts} account(s), round ${gate.round}`,
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

  /** A shard passes the campaign's decision to its accounts that await it, each with its proof. */
  const passDecisionOn = (decision: RoundDecision) => {
    // The round is taken either way: refused, the accounts keep waiting (fail closed) and the
    // shard tells the campaign it is ready again, for the next round.
    carry.decidedRounds = decision.round;
    delete carry.refusedRound;
    const leaves = book.inState('awaiting').map(leafOf);
    const problem =
      approvalProblem(authority, decision, Date.now()) ??
      rejectionProblem(authority, decision, Date.now()) ??
      shardPlanProblem(decision, leaves);
    if (problem !== undefined) {
      carry.refusedRound = decision.round;
      gate.refuse('approve', { valid: false, reason: `decision of round ${decision.round}: ${problem}` });
      log.warn('refused a decision passed on by the campaign', { round: decision.round });
      return;
    }
    const decisions = decisionsForAccounts(decision, leaves);
    for (const entry of book.inState('awaiting')) {
      const forAccount = decisions.get(leafOf(entry));
      if (forAccount === undefined) continue;
      sends.push(
        quietly(getExternalWorkflowHandle(entry.workflowId).signal(accountDecisionSignal, forAccount)),
      );
      book.set(entry.key, 'working');
    }
  };

  /** A shard tells the campaign its stage, as an account does; only changes are sent. */
  const parent = shard ? getExternalWorkflowHandle(shard.parentWorkflowId) : undefined;
  let lastTold = '';
  const tellParent = (progress: Omit<AccountProgress, 'seq' | 'accountId' | 'decidedRounds'>) => {
    if (!shard || !parent) return;
    const told = `${progress.stage}:${progress.usersWaiting ?? ''}:${progress.accountsWaiting ?? ''}:${progress.planDigest ?? ''}:${carry.decidedRounds ?? 0}`;
    if (told === lastTold) return;
    lastTold = told;
    carry.progressSeq = (carry.progressSeq ?? 0) + 1;
    carry.lastProgress = {
      ...progress,
      accountId: shardKey(shard.index),
      seq: carry.progressSeq,
      decidedRounds: carry.decidedRounds ?? 0,
    };
    sends.push(quietly(parent.signal(accountProgressSignal, carry.lastProgress)));
  };

  let startedThisRun = 0;
  let abortForwarded = false;
  const reconciler = new Reconciler(book, carry.sharding ? 'shard' : 'account');
  for (;;) {
    if (abort && !abortForwarded) {
      abortForwarded = true;
      carry.notStarted += pending.splice(0).length;
      for (const entry of book.snapshot()) {
        sends.push(quietly(getExternalWorkflowHandle(entry.workflowId).signal(abortRotationSignal, abort)));
      }
      setPhase('aborting');
    }
    for (let next = parentDecisions.shift(); next !== undefined; next = parentDecisions.shift()) {
      if (wantsRound(next.round)) passDecisionOn(next);
    }

    const starts: Array<Promise<void>> = [];
    while (!abort && pending.length > 0 && book.count('working') < inFlightLimit()) {
      // startNext books the child before its first await, so the count above sees it.
      const start = startNext();
      // Children, not accounts: a shard costs this history a few events, as an account does.
      startedThisRun++;
      if (patched(CONCURRENT_CHILD_STARTS)) starts.push(start);
      else await start;
    }
    await Promise.all(starts);
    if (pending.length === 0 && book.size === 0) break;

    if (reconciler.due()) {
      for (const closed of await reconciler.run()) {
        if (carry.sharding) {
          if (closed.shardStatus) shardFinished(closed.key, closed.shardStatus);
          else shardLost(closed.key, `the shard workflow ended ${closed.status.toLowerCase()}`);
          continue;
        }
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
    if (shard) {
      const awaiting = book.inState('awaiting');
      tellParent(
        ready
          ? {
              stage: 'ready',
              usersWaiting: awaiting.reduce((sum, e) => sum + (e.usersWaiting ?? 0), 0),
              accountsWaiting: awaiting.length,
              ...(campaignScope ? { planDigest: merkleRoot(awaiting.map(leafOf)) } : {}),
            }
          : book.count('working') > 0 || (pending.length > 0 && !abort)
            ? { stage: 'working' }
            : { stage: 'waiting' },
      );
    }
    if (ready && campaignScope && !shard) {
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
        // A decision that arrived while this run settled is passed on by the next one.
        ...(parentDecisions.length > 0 ? { passedDown: [...parentDecisions] } : {}),
      };
      // A shard's accounts are in `pending` now: its input need not carry them twice.
      await continueAsNew<typeof rotationCampaign>({
        spec,
        carry: next,
        ...(shard ? { shard: { ...shard, accounts: [] } } : {}),
      });
    }

    const seen = book.version();
    const seenPlans = planChanges;
    showDetails();
    await condition(
      () =>
        book.version() !== seen ||
        (abort !== undefined && !abortForwarded) ||
        (!abort && pending.length > 0 && book.count('working') < inFlightLimit()) ||
        planChanges !== seenPlans ||
        parentDecisions.length > 0,
      reconciler.wakeInMs(),
    );
  }

  await Promise.all(sends);
  await confirmer.settle();
  await condition(allHandlersFinished);
  setPhase(abort ? 'aborted' : 'completed');
  showDetails();
  if (shard && parent) {
    carry.progressSeq = (carry.progressSeq ?? 0) + 1;
    carry.lastProgress = { accountId: shardKey(shard.index), stage: 'finished', seq: carry.progressSeq };
    await quietly(parent.signal(accountProgressSignal, carry.lastProgress));
  }
  return status();
}

/** A shard has no gate: approvals and aborts go to the campaign, whose gate decides for it. */
function refuseHereForCampaign(gate: ApprovalGate, campaignId: string): void {
  refuseApprovals(campaignId, (signal, reason) => gate.refuse(signal, { valid: false, reason }));
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
