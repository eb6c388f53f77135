import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { AbortRequest, KeyDecision, RoundDecision } from '../domain/approval-state';
import type { AccountCarryOver, AccountRotationInput } from '../domain/campaign-input';
import { abortProblem, accountInCampaignPlan, approvalProblem } from '../domain/decision-check';
import { durationToMs } from '../domain/duration-ms';
import { accountPlanLeaf, merkleProofs, merkleRoot } from '../domain/plan-digest';
import { addCounts, type AccountRotationReport, type UserRotationReport } from '../domain/rotation-report';
import { KeywardenAccountId, KeywardenCampaignId, KeywardenKind } from '../domain/search-attributes';
import { sagaDestination } from '../domain/saga-destination';
import { ownerNotifySettings } from '../domain/owner-notify';
import { renderSecretName } from '../domain/secret-name-template';
import { selectUser } from '../domain/selection';
import { roleSessionName } from '../domain/session-name';
import {
  PLAN_OFFERS,
  ApprovalGate,
  campaignGateConfig,
  decisionAuthority,
  refuseApprovals,
} from './approval-gate';
import { approverTeller, decisionWithNotices, MAX_NOTIFICATION_RECORDS, NOTIFICATIONS } from './notify';
import { ChildBook, CONCURRENT_CHILD_STARTS, quietly, type ChildEntry } from './child-book';
import { failureMessage } from './failure-message';
import { keyRotation, keyWorkflowId, type KeyRotationInput } from './key-rotation';
import {
  abortRotationSignal,
  accountDecisionSignal,
  accountProgressQuery,
  accountProgressSignal,
  accountStatusQuery,
  keyDecisionSignal,
  keyProgressSignal,
  type AccountProgress,
  type KeyProgress,
} from './messages';
import { judged } from './judged';
import { ProgressConfirmer, PROGRESS_CONFIRMED } from './progress-confirmer';
import { Reconciler } from './reconcile';

const { inventoryPage } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Runs started before decisions carried their approvals and plan proofs pass them on unchecked. */
const DECISIONS_CHECKED = 'account-checks-passed-decisions';

export function accountWorkflowId(campaignId: string, accountId: string): string {
  return `${campaignId}/${accountId}`;
}

/**
 * One member account of a campaign: inventory page by page, selection, and one keyRotation saga
 * per selected user. At most `maxKeysInFlightPerAccount` sagas do AWS work at once; a saga that
 * sleeps through a window or waits for the decision gives its slot back. The account tells the
 * campaign when it works, only sleeps, or is ready for the decision, so that it holds a campaign
 * slot only while it works. Decisions arrive per round (from the campaign, or from this
 * workflow's own gate with approval.scope account) and go to exactly the sagas that asked, bound
 * to the key each asked to delete. Continues as new after `continueAsNewAfterUsers` users.
 */
export async function accountRotation(input: AccountRotationInput): Promise<AccountRotationReport> {
  const { spec, account, campaignId } = input;
  const selfId = workflowInfo().workflowId;
  const carry: AccountCarryOver = input.carry ?? {
    run: 0,
    inventoryDone: false,
    counts: {},
    usersWithoutKeys: 0,
    sagas: [],
    decidedRounds: 0,
  };
  const report: AccountRotationReport = {
    campaignId,
    accountId: account.accountId,
    accountName: account.name,
    ...(account.ouName === undefined ? {} : { ouName: account.ouName }),
    status: 'in-progress',
    users: [],
    run: carry.run,
  };
  const book = new ChildBook(carry.sagas);
  const gate =
    spec.approval.scope === 'account'
      ? new ApprovalGate(campaignGateConfig(spec, input.approverRegistry), carry.approval).listen()
      : undefined;
  const campaign = getExternalWorkflowHandle(input.campaignWorkflowId);
  const plans: KeyRotationInput[] = [];
  const sends: Array<Promise<void>> = [];
  // An account's own gate (approval.scope account) tells the approvers as the campaign's does.
  const tellApprovers =
    gate === undefined
      ? undefined
      : approverTeller(
          spec.notifications !== undefined && patched(NOTIFICATIONS) ? spec.notifications : undefined,
          spec.approval.approvers,
          sends,
          (record) => {
            carry.notifications = [...(carry.notifications ?? []), record].slice(-MAX_NOTIFICATION_RECORDS);
          },
        );
  let abort: AbortRequest | undefined = carry.aborted;
  // A decision that arrived while the previous run settled before continuing as new.
  let campaignDecision: RoundDecision | undefined = carry.pendingDecision;
  delete carry.pendingDecision;
  let usersThisRun = 0;

  const countFinal = (status: UserRotationReport['status']) => {
    carry.counts = addCounts(carry.counts, { [status]: 1 });
  };
  /** Users this run's report holds: it bounds the run's result and query payloads, not only its history. */
  const record = (user: UserRotationReport) => {
    const index = report.users.findIndex((u) => u.userName === user.userName);
    if (index >= 0) report.users[index] = user;
    else {
      report.users.push(user);
      usersThisRun++;
    }
  };
  const sagaFinished = (user: UserRotationReport) => {
    if (!book.finish(user.userName)) return;
    record(user);
    countFinal(user.status);
  };

  // Declared before the handlers that read them: a signal may arrive in the first activation.
  // Sharded campaigns: progress goes to the shard, while the gate (and what is signed) is the campaign's.
  const gateWorkflowId = input.gateWorkflowId ?? input.campaignWorkflowId;
  const authority = decisionAuthority(spec, gateWorkflowId, selfId, input.approverRegistry);
  const refused = (what: string) => {
    report.refused = [...(report.refused ?? []), `${new Date().toISOString()} ${what}`].slice(-20);
  };
  setHandler(accountStatusQuery, () => ({
    ...report,
    counts: carry.counts,
    usersWithoutKeys: carry.usersWithoutKeys,
    ...(gate ? { approval: gate.snapshot() } : {}),
    ...(carry.notifications === undefined ? {} : { notifications: carry.notifications }),
  }));
  setHandler(accountProgressQuery, () => carry.lastProgress ?? null);
  let gateOpen = false;
  const applyProgress = (progress: KeyProgress) => {
    if (!book.fresh(progress.userName, progress.seq)) return;
    if (progress.stage === 'waiting') book.set(progress.userName, 'waiting');
    else if (progress.stage === 'awaiting-decision' && progress.accessKeyId) {
      book.set(progress.userName, 'awaiting', { awaitingKey: progress.accessKeyId });
    } else if (progress.stage === 'finished') book.markFinishing(progress.userName);
    if (gateOpen && patched(PLAN_OFFERS)) offerPlan();
  };
  const confirmer = new ProgressConfirmer(book, 'KeyProgressSchema', true, (key, progress) => {
    if (progress.userName === key) applyProgress(progress);
  });
  setHandler(
    keyProgressSignal,
    judged('keywarden.keyProgress', 'KeyProgressSchema', (progress) => {
      if (patched(PROGRESS_CONFIRMED)) confirmer.hint(progress.userName);
      else applyProgress(progress);
    }),
  );
  for (const key of carry.unconfirmed ?? []) confirmer.hint(key);
  delete carry.unconfirmed;
  setHandler(
    accountDecisionSignal,
    judged('keywarden.accountDecision', 'RoundDecisionSchema', (decision) => {
      if (decision.round > carry.decidedRounds) campaignDecision = decision;
    }),
  );
  setHandler(
    abortRotationSignal,
    judged('keywarden.abort', 'AbortRequestSchema', (request) => {
      if (abort) return;
      const problem = patched(DECISIONS_CHECKED)
        ? abortProblem(authority, gateWorkflowId, request, Date.now())
        : undefined;
      if (problem !== undefined) return refused(`abort: ${problem}`);
      abort = request;
    }),
  );

  const target: MemberRoleRef = {
    accountId: account.accountId,
    roleName: spec.access.roleName,
    sessionName: roleSessionName(campaignId),
    ...(spec.access.externalId === undefined ? {} : { externalId: spec.access.externalId }),
  };

  const tellCampaign = (() => {
    let last = '';
    return (progress: Omit<AccountProgress, 'seq'>) => {
      const key = patched(DECISIONS_CHECKED)
        ? `${progress.stage}:${progress.usersWaiting ?? ''}:${progress.planDigest ?? ''}:${carry.decidedRounds}`
        : `${progress.stage}:${progress.usersWaiting ?? ''}`;
      if (key === last) return;
      last = key;
      carry.progressSeq = (carry.progressSeq ?? 0) + 1;
      carry.lastProgress = { ...progress, seq: carry.progressSeq, decidedRounds: carry.decidedRounds };
      sends.push(
        campaign.signal(accountProgressSignal, carry.lastProgress).catch(() => {
          // The campaign is gone (terminated): nothing to tell; its reconciliation sees this account.
        }),
      );
    };
  })();

  const leafOf = (entry: ChildEntry) => accountPlanLeaf(entry.key, entry.awaitingKey ?? '');
  /** This account's plan: each saga awaiting the decision and the key it asks to delete. */
  const ownPlan = () => book.inState('awaiting').map(leafOf);
  let digestCache = { plan: '', digest: '' };
  /** The digest of ownPlan(), hashed again only when what awaits the decision changed. */
  const ownDigest = () => {
    const plan = book
      .inState('awaiting')
      .map((e) => `${e.key}\0${e.awaitingKey ?? ''}`)
      .join('\n');
    if (digestCache.plan !== plan || digestCache.digest === '') {
      digestCache = { plan, digest: merkleRoot(ownPlan()) };
    }
    return digestCache.digest;
  };
  let offered: string[] = [];
  const offerPlan = () => {
    if (!gate || gate.decision) return;
    offered = ownPlan();
    gate.offer(
      merkleRoot(offered),
      `delete the old keys of ${offered.length} user(s) in account ${account.accountId}`,
    );
  };
  if (!gate) refuseApprovals(gateWorkflowId, (signal, reason) => refused(`${signal}: ${reason}`));

  /** Why a decision passed on by the campaign may not be applied here, or undefined when it may. */
  const campaignDecisionProblem = (decision: RoundDecision): string | undefined => {
    if (decision.outcome !== 'approved') return undefined;
    const problem = approvalProblem(authority, decision, Date.now());
    if (problem) return problem;
    if (decision.planDigest === undefined || decision.accountProof === undefined) {
      return 'the decision does not say which plan was approved';
    }
    return accountInCampaignPlan(account.accountId, ownDigest(), decision.accountProof, decision.planDigest)
      ? undefined
      : "the plan approved does not hold this account's keys as they await the decision now";
  };

  /** Passes a round's decision to every saga that asked, bound to the key it asked about. */
  const deliver = (decision: RoundDecision, leaves: string[] = ownPlan()) => {
    carry.decidedRounds = decision.round;
    const fromCampaign = gate === undefined;
    const problem =
      fromCampaign && patched(DECISIONS_CHECKED) ? campaignDecisionProblem(decision) : undefined;
    if (problem !== undefined) {
      // Fail closed: the sagas keep waiting and the account asks again in the next round.
      refused(`decision of round ${decision.round}: ${problem}`);
      log.warn('refused a decision passed on by the campaign', { round: decision.round });
      return;
    }
    const accountDigest = merkleRoot(leaves);
    const proofs = merkleProofs(leaves);
    for (const entry of book.inState('awaiting')) {
      const keyProof = proofs.get(leafOf(entry));
      // Not in the plan decided: it waits for the next round (runs from before plans deliver to all).
      if (keyProof === undefined && patched(PLAN_OFFERS)) continue;
      const keyDecision: KeyDecision = {
        ...decision,
        accessKeyIds: [entry.awaitingKey ?? ''],
        accountDigest,
        keyProof,
      };
      sends.push(
        quietly(
          getExternalWorkflowHandle(entry.workflowId, entry.runId).signal(keyDecisionSignal, keyDecision),
        ),
      );
      book.set(entry.key, 'working');
    }
  };

  const fetchPage = async (): Promise<boolean> => {
    let page;
    try {
      page = await inventoryPage({
        target,
        maxUsers: spec.limits.inventoryPageSize,
        ...(carry.cursor === undefined ? {} : { afterUserName: carry.cursor }),
      });
    } catch (error) {
      report.status = 'failed';
      report.error = `inventory failed: ${failureMessage(error)}`;
      return false;
    }
    carry.usersWithoutKeys += page.usersWithoutKeys;
    // Reported by this run; the client merges the runs' reports (no command depends on it).
    if (page.findings !== undefined && page.findings.length > 0) {
      report.findings = [...(report.findings ?? []), ...page.findings];
    }
    if (page.nextAfterUserName === undefined) carry.inventoryDone = true;
    else carry.cursor = page.nextAfterUserName;
    const now = new Date();
    const accountExempt = spec.policy.exemptions.accounts.includes(account.accountId);
    for (const user of page.users) {
      const selection = selectUser(user, spec.policy, now);
      const findingsOf = (id: string) => selection.findings[id] ?? [];
      const userReport: UserRotationReport = {
        accountId: account.accountId,
        userName: user.userName,
        action: accountExempt ? 'skip' : selection.action,
        reason: accountExempt
          ? `exempt: account ${account.accountId} is in policy.exemptions.accounts`
          : selection.reason,
        status: 'skipped',
        keys: user.keys.map((key) => ({ ...key, findings: findingsOf(key.accessKeyId) })),
        deletedAccessKeyIds: [],
        timeline: [],
      };
      if (spec.dryRun) userReport.status = 'inventoried';
      else if (userReport.action === 'needs-attention') userReport.status = 'needs-attention';
      else if (userReport.action === 'rotate' && selection.keyToRotate) {
        userReport.status = 'in-progress';
        userReport.oldAccessKeyId = selection.keyToRotate;
        // The owner comes from the tags the inventory read: no further AWS call.
        const notify =
          spec.notifications === undefined ? undefined : ownerNotifySettings(spec.notifications, user.tags);
        if (notify?.owner !== undefined) userReport.owner = notify.owner;
        else if (notify !== undefined) userReport.noOwnerTag = true;
        plans.push({
          accountWorkflowId: selfId,
          campaignId,
          target,
          secretName: renderSecretName(spec.destination.secretNameTemplate, {
            userName: user.userName,
            accountId: account.accountId,
          }),
          ...sagaDestination(spec.destination, { userName: user.userName, accountId: account.accountId }),
          adoptionMs: durationToMs(spec.windows.adoption),
          graceMs: durationToMs(spec.windows.grace),
          oldAccessKeyId: selection.keyToRotate,
          ...(selection.inactiveKeyToDelete === undefined
            ? {}
            : { inactiveKeyToDelete: selection.inactiveKeyToDelete }),
          onOldKeyStillUsed: spec.policy.onOldKeyStillUsed,
          approval: authority,
          report: userReport,
          ...(notify === undefined ? {} : { notify }),
        });
      }
      record(userReport);
      if (userReport.status !== 'in-progress') countFinal(userReport.status);
    }
    return true;
  };

  const startSaga = async (plan: KeyRotationInput) => {
    const userName = plan.report.userName;
    const workflowId = keyWorkflowId(account.accountId, userName);
    book.add(userName, workflowId);
    try {
      const child = await startChild(keyRotation, {
        workflowId,
        args: [plan],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Rotate the access key of ${userName} in ${account.accountId} (campaign ${campaignId})`,
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'key-rotation' },
          { key: KeywardenCampaignId, value: campaignId },
          { key: KeywardenAccountId, value: account.accountId },
        ],
      });
      void child
        .result()
        .then(sagaFinished, (error: unknown) =>
          sagaFinished({ ...plan.report, status: 'failed', error: failureMessage(error) }),
        );
    } catch (error) {
      book.finish(userName);
      const busy = error instanceof WorkflowExecutionAlreadyStartedError;
      const user: UserRotationReport = {
        ...plan.report,
        status: busy ? 'skipped' : 'failed',
        reason: busy
          ? `already being rotated by another campaign (workflow ${workflowId} is running)`
          : plan.report.reason,
        ...(busy ? {} : { error: `could not start the rotation: ${failureMessage(error)}` }),
      };
      record(user);
      countFinal(user.status);
    }
  };

  const skipPlans = (why: string) => {
    for (const plan of plans.splice(0)) {
      const user: UserRotationReport = { ...plan.report, status: 'skipped', reason: why };
      record(user);
      countFinal('skipped');
    }
  };

  let abortForwarded = false;
  const reconciler = new Reconciler(book, 'key');
  for (;;) {
    if (abort && !abortForwarded) {
      abortForwarded = true;
      skipPlans(`not started: the campaign was aborted by ${abort.by}`);
      carry.inventoryDone = true;
      for (const entry of book.snapshot()) {
        sends.push(
          quietly(
            getExternalWorkflowHandle(entry.workflowId, entry.runId).signal(abortRotationSignal, abort),
          ),
        );
      }
    }
    if (campaignDecision && campaignDecision.round > carry.decidedRounds) deliver(campaignDecision);

    // Fill free slots: more inventory when the plan queue is empty, then sagas.
    const starts: Array<Promise<void>> = [];
    while (
      !abort &&
      report.status !== 'failed' &&
      book.count('working') < spec.limits.maxKeysInFlightPerAccount
    ) {
      if (plans.length === 0) {
        if (carry.inventoryDone || usersThisRun >= spec.limits.continueAsNewAfterUsers) break;
        if (!(await fetchPage())) break;
        continue;
      }
      // startSaga books the user before its first await, so the count above sees it.
      const start = startSaga(plans.shift() as KeyRotationInput);
      if (patched(CONCURRENT_CHILD_STARTS)) starts.push(start);
      else await start;
    }
    await Promise.all(starts);

    const moreToDo = plans.length > 0 || (!carry.inventoryDone && report.status !== 'failed');
    if (!moreToDo && book.size === 0) break;

    if (reconciler.due()) {
      for (const closed of await reconciler.run()) {
        const user = closed.report ?? {
          ...(report.users.find((u) => u.userName === closed.key) ??
            placeholderUser(account.accountId, closed.key)),
          status: 'failed' as const,
          error: `the rotation workflow ended ${closed.status.toLowerCase()}`,
        };
        sagaFinished(user);
      }
      continue; // what it found may finish this workflow or free slots: look again
    }

    const ready = !moreToDo && book.allAwaiting();
    if (ready && gate && !abort && !gate.decision) {
      tellCampaign({ accountId: account.accountId, stage: 'ready', usersWaiting: book.count('awaiting') });
      offerPlan();
      setCurrentDetails(
        `Account ${account.accountId}: every saga awaits the decision. Approval: ${gate.describe()}`,
      );
      gateOpen = true;
      const decision = await decisionWithNotices(
        gate,
        selfId,
        tellApprovers,
        () => undefined,
        () => abort !== undefined,
      );
      gateOpen = false;
      if (decision) {
        deliver({ ...decision, round: gate.round }, offered);
        gate.nextRound();
      }
      continue;
    }
    tellCampaign(
      ready
        ? {
            accountId: account.accountId,
            stage: 'ready',
            usersWaiting: book.count('awaiting'),
            planDigest: ownDigest(),
          }
        : book.count('working') > 0 || (moreToDo && !abort)
          ? { accountId: account.accountId, stage: 'working' }
          : { accountId: account.accountId, stage: 'waiting' },
    );

    // Only between pages: plans not started yet would be lost (the cursor is past their users).
    // A run whose report is full continues as new even when only inherited sagas are left.
    const runIsFull = (moreToDo || book.size > 0) && usersThisRun >= spec.limits.continueAsNewAfterUsers;
    if (plans.length === 0 && (runIsFull || workflowInfo().continueAsNewSuggested)) await continueAsNewNow();

    const seen = book.version();
    setCurrentDetails(
      `Account ${account.accountId}: ${book.count('working')} saga(s) working, ${book.count('waiting')} sleeping through ` +
        `windows, ${book.count('awaiting')} awaiting the decision of ${gate ? 'this workflow' : gateWorkflowId}.` +
        (gate ? ` Approval: ${gate.describe()}` : ''),
    );
    const slotFree = () =>
      !abort &&
      (plans.length > 0 || !carry.inventoryDone) &&
      book.count('working') < spec.limits.maxKeysInFlightPerAccount;
    await condition(
      () =>
        book.version() !== seen ||
        slotFree() ||
        (abort !== undefined && !abortForwarded) ||
        (campaignDecision !== undefined && campaignDecision.round > carry.decidedRounds),
      reconciler.wakeInMs(),
    );
  }

  await Promise.all(sends);
  await confirmer.settle();
  await condition(allHandlersFinished);
  if (report.status !== 'failed') report.status = spec.dryRun ? 'inventoried' : 'completed';
  report.counts = carry.counts;
  report.usersWithoutKeys = carry.usersWithoutKeys;
  if (gate) report.approval = gate.snapshot();
  if (carry.notifications !== undefined) report.notifications = carry.notifications;
  carry.progressSeq = (carry.progressSeq ?? 0) + 1;
  carry.lastProgress = { accountId: account.accountId, stage: 'finished', seq: carry.progressSeq };
  await campaign.signal(accountProgressSignal, carry.lastProgress).catch(() => undefined);
  return report;

  async function continueAsNewNow(): Promise<never> {
    await Promise.all(sends);
    await confirmer.settle();
    await condition(allHandlersFinished);
    const unconfirmed = confirmer.pending();
    const next: AccountCarryOver = {
      ...carry,
      run: carry.run + 1,
      sagas: book.snapshot(),
      ...(unconfirmed.length > 0 ? { unconfirmed } : {}),
      ...(campaignDecision !== undefined && campaignDecision.round > carry.decidedRounds
        ? { pendingDecision: campaignDecision }
        : {}),
      ...(gate ? { approval: gate.snapshot() } : {}),
      ...(abort ? { aborted: abort } : {}),
    };
    return continueAsNew<typeof accountRotation>({ ...input, carry: next });
  }
}

function placeholderUser(accountId: string, userName: string): UserRotationReport {
  return {
    accountId,
    userName,
    action: 'rotate',
    reason: 'selected for rotation',
    status: 'failed',
    keys: [],
    deletedAccessKeyIds: [],
    timeline: [],
  };
}
