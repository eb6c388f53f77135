import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { ContainmentFailureDetails, MatchedUser } from '../activities/offboarding-activities';
import type {
  AccountContainmentOutcome,
  BatchAccountOutcome,
  BatchProgress,
  ContainmentProgress,
} from '../activities/account-containment';
import type { ApprovalDecision } from '../domain/approval-state';
import { durationToMs } from '../domain/duration-ms';
import { byCodeUnits } from '../domain/order';
import { leafHash, merkleRoot } from '../domain/plan-digest';
import type { AccountRef } from '../domain/inventory';
import {
  ACCOUNTS_IN_FLIGHT_DEFAULT,
  ACCOUNTS_PER_CONTAINMENT_BATCH,
  USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT,
} from '../domain/offboarding-limits';
import type { OffboardingRequest } from '../domain/offboarding-request';
import {
  accountRetryDelayMs,
  describeSteps,
  purgeStepsFor,
  type ContainmentResult,
  type ContainmentSteps,
  type OffboardedUser,
  type OffboardingPhase,
  type OffboardingStatus,
} from '../domain/offboarding-report';
import { judgeSkip } from '../domain/offboarding-skip';
import { KeywardenPhase } from '../domain/search-attributes';
import { roleSessionName } from '../domain/session-name';
import { listAccountsThrough } from './account-listing';
import { failureMessage } from './failure-message';
import { KEY_REGISTRY, PLAN_OFFERS, ApprovalGate, refuseApprovals } from './approval-gate';
import { effectiveSignatures } from '../domain/effective-signatures';
import { ApproverNotices, decisionWithNotices, NOTIFICATIONS } from './notify';
import {
  DEFAULT_SHARDING,
  SHARDS_IN_FLIGHT,
  runShard,
  shardsOf,
  type OffboardShard,
  type ShardOutcome,
  type ShardingLimits,
} from './offboard-shards';

export interface OffboardEmployeeInput {
  request: OffboardingRequest;
  /** ISO-8601: when HR called (the webhook's receipt time), the start of time-to-containment. */
  requestedAt: string;
  /** Set only on the children a large offboarding shards its accounts into: search and contain these, then return. */
  shard?: OffboardShard;
  /** When to shard, and how many accounts per shard (tests and simulations lower the defaults). */
  sharding?: ShardingLimits;
}

export const offboardingStatusQuery = defineQuery<OffboardingStatus>('status');
/**
 * Stops retrying the search of an account that does not answer:
 * `{"by": "<initiator or approver>", "accountId": "<12 digits>", "reason": "<why>"}`. Typed
 * unknown: domain/offboarding-skip judges it. The run then ends `incomplete`, naming the account.
 */
export const skipAccountSignal = defineSignal<[unknown]>('skip-account');

// patched() IDs: each guards a change of the commands that runs started on older code replay.
/** Accounts (and the account list) that do not answer are retried; `not-found` and `incomplete` endings. */
export const RETRY_UNANSWERED_ACCOUNTS = 'offboarding-retry-unanswered-accounts';
/** An approval timeout escalates (phase `escalated`) and never restores the leaver. */
export const SILENCE_NEVER_RESTORES = 'offboarding-silence-never-restores';
/** Above a threshold, accounts are searched and contained in child workflows (shards). */
export const SHARDED_DISCOVERY = 'offboarding-sharded-discovery';

/**
 * One activity per account finds and contains the leaver's users (containLeaverInAccount), and
 * the account fan-out comes from `request.limits` (default ACCOUNTS_IN_FLIGHT_DEFAULT) instead of
 * findMatchingUsers, then containUser per user, ten accounts at a time.
 */
export const CONTAIN_PER_ACCOUNT = 'offboarding-contain-per-account';

/**
 * The first round of search and containment runs ACCOUNTS_PER_CONTAINMENT_BATCH accounts per
 * activity (containLeaverInAccounts), still at most `accountsInFlight` accounts at once; an
 * account the batch could not search, or every account of a batch that failed, goes on to
 * containLeaverInAccount and its own retries, as before.
 */
export const CONTAIN_IN_BATCHES = 'offboarding-contain-in-batches';

/**
 * Without `limits.accountsInFlight`, ACCOUNTS_IN_FLIGHT_DEFAULT accounts are searched and
 * contained at once; runs started before searched ACCOUNTS_IN_FLIGHT_DEFAULT_BEFORE_40.
 */
export const ACCOUNTS_IN_FLIGHT_40 = 'offboarding-accounts-in-flight-40';
const ACCOUNTS_IN_FLIGHT_DEFAULT_BEFORE_40 = 20;

/**
 * Approve, reject, cancel and skip-account messages that arrive before the approver key registry
 * is read wait for it (updates are refused until then), so the registry's signature rules judge
 * them; runs started before judged them at once by the request's rules.
 */
export const MESSAGES_WAIT_FOR_REGISTRY = 'offboarding-messages-wait-for-registry';

/**
 * A shard refuses approve, reject, cancel and skip-account, naming its parent, which alone judges
 * them; the parent searches again any account a shard started before this skipped. Before, a
 * shard judged a skip by the request's rules (it reads no registry) and its parent dropped the
 * skipped account from its records: never searched, never reported.
 */
export const SHARDS_REFER_MESSAGES_TO_PARENT = 'offboarding-shards-refer-messages-to-parent';

/** Accounts searched at once during discovery by runs without CONTAIN_PER_ACCOUNT. */
export const DISCOVERY_CONCURRENCY = 10;

const { approverRegistry } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

const { listAccountsInScope, findMatchingUsers } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 6 },
});

// Containment is the point of the feature: short timeouts, fast and persistent retries.
const { containUser } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

// Search and containment of one account: a failed search is retried by the workflow's own
// backoff after a few quick attempts; a user it could not fully contain goes on to containUser.
const { containLeaverInAccount } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 6 },
});

// Several accounts at once: a batch that fails as a whole is retried once (its heartbeat keeps
// each account's record), then its accounts go to containLeaverInAccount one by one.
const { containLeaverInAccounts } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 2 },
});

// The rest of the prior state, read once the accounts are contained (it is only reported).
const { readLeaverCredentials } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

const { restoreUser, purgeStep } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Offboards a leaver across the organization. Its workflow ID is `offboard-<employeeId>` (set by
 * the starter), so a repeated HR call finds this run instead of starting another.
 *
 * 1. Discover the matching IAM users in every account in scope (bounded fan-out). An account
 *    whose search fails is searched again with backoff (1 min doubling to 1 h) until it answers,
 *    an operator skips it (`skip-account`) or a decision ends the run.
 * 2. Contain every one of them at once: record the prior state, deactivate every key, put the
 *    deny policy (each step runs whatever happened to the other). No approval is needed; one
 *    account failing does not stop the others.
 * 3. Wait at the approval gate (approve / reject / cancel). A timeout escalates: the users stay
 *    contained and the gate keeps waiting. Silence never restores a leaver.
 * 4. Approved: purge each user in AWS's documented order. Otherwise: restore each user exactly.
 */
export async function offboardEmployee(input: OffboardEmployeeInput): Promise<OffboardingStatus> {
  const { notifications, approval } = input.request;
  // A shard only searches; its parent tells the approvers.
  const notices = new ApproverNotices(
    notifications !== undefined && input.shard === undefined && patched(NOTIFICATIONS)
      ? notifications
      : undefined,
    approval.approvers,
  );
  const result = await offboard(input, notices);
  await notices.settled();
  return notices.tell === undefined ? result : { ...result, notifications: [...notices.records] };
}

async function offboard(input: OffboardEmployeeInput, notices: ApproverNotices): Promise<OffboardingStatus> {
  const { request, requestedAt, shard } = input;
  // A shard acts for its parent: same role session name, same workflow ID in its records.
  const workflowId = shard?.parentWorkflowId ?? workflowInfo().workflowId;
  const gate = new ApprovalGate({
    approvers: request.approval.approvers,
    requiredApprovals: request.approval.requiredApprovals,
    initiator: request.initiator,
    timeoutMs: durationToMs(request.approval.timeout),
    // 'escalate' for every request accepted now; 'reject' only in runs started before it was refused.
    onTimeout: request.approval.onTimeout,
    signatures: request.approval.signatures,
    publicKeys: request.approval.publicKeys,
    acceptsCancel: true,
    refuseBeforeOpen: false,
  });
  // Before any handler is set: a message sent with the start is delivered as its handler is set.
  const holdsMessages = shard === undefined && patched(MESSAGES_WAIT_FOR_REGISTRY);
  const refersToParent = shard !== undefined && patched(SHARDS_REFER_MESSAGES_TO_PARENT);
  // Released by the registry read below, which every run that holds makes (KEY_REGISTRY predates it).
  if (holdsMessages) gate.holdUntilSignaturesKnown();
  const toParent = `this is one shard of the offboarding ${workflowId}: send it to that workflow`;
  if (refersToParent) {
    refuseApprovals(workflowId, (signal, reason) => gate.refuse(signal, { valid: false, reason }), toParent, {
      cancelToo: true,
    });
  } else {
    gate.listen();
  }

  const status: OffboardingStatus = {
    employeeId: request.employeeId,
    workflowId,
    phase: 'discovering',
    requestedAt,
    users: [],
    accountsSearched: [],
    accountsFailed: [],
    accountsSkipped: [],
    skipRefusals: [],
    escalations: [],
    approval: gate.snapshot(),
    purgeMode: request.purgeMode,
    ...(notices.tell === undefined ? {} : { notifications: notices.records }),
  };
  setHandler(offboardingStatusQuery, () => ({ ...status, approval: gate.snapshot() }));
  const skipAccount = (payload: unknown): void => {
    const judgement: ReturnType<typeof judgeSkip> = refersToParent
      ? { valid: false, reason: `${toParent}, which searches again the accounts its shards could not` }
      : judgeSkip(payload, {
          initiator: request.initiator,
          approvers: request.approval.approvers,
          retrying: status.accountsFailed.map((f) => f.accountId),
          signing: { policy: gate.policy(), workflowId: workflowInfo().workflowId, nowMs: Date.now() },
        });
    const at = new Date().toISOString();
    if (!judgement.valid) {
      status.skipRefusals?.push({
        reason: judgement.reason,
        at,
        ...(judgement.by === undefined ? {} : { by: judgement.by }),
      });
      if ((status.skipRefusals?.length ?? 0) > 50) status.skipRefusals?.shift(); // bounded
      log.info('skip-account refused', { reason: judgement.reason });
      return;
    }
    const { accountId, by, reason } = judgement.skip;
    status.accountsFailed = status.accountsFailed.filter((f) => f.accountId !== accountId);
    status.accountsSkipped?.push({ accountId, by, reason, at });
    log.warn('account skipped: its users will not be searched', { accountId });
  };
  // After skipAccount exists: a skip sent with the start is delivered as this handler is set.
  setHandler(skipAccountSignal, (payload) => gate.whenJudgeable(() => skipAccount(payload)));

  const enter = (phase: OffboardingPhase): void => {
    if (status.phase === phase) return;
    status.phase = phase;
    upsertSearchAttributes([{ key: KeywardenPhase, value: phase }]);
    log.info('offboarding phase', { phase });
    setCurrentDetails(
      `Phase ${phase}. ${status.users.length} user(s) found in ${status.accountsSearched.length} account(s) searched. ` +
        `Approval: ${gate.describe()}`,
    );
  };
  const finish = (phase: OffboardingPhase, error?: string): OffboardingStatus => {
    enter(phase);
    if (error !== undefined) status.error = error;
    status.accountsNotCovered = notCovered();
    status.finishedAt = new Date().toISOString();
    return { ...status, approval: gate.snapshot() };
  };
  const notCovered = (): string[] =>
    [
      ...new Set([
        ...status.accountsFailed.map((f) => f.accountId),
        ...(status.accountsSkipped ?? []).map((s) => s.accountId),
      ]),
    ]
      .filter((id) => !status.accountsSearched.includes(id))
      .sort(byCodeUnits);
  // A run that did not search every account in scope says so in its final phase.
  const finishCovered = (phase: OffboardingPhase): OffboardingStatus => {
    const missing = notCovered();
    if (missing.length === 0 || !patched(RETRY_UNANSWERED_ACCOUNTS)) return finish(phase);
    return finish(
      'incomplete',
      `${missing.length} account(s) in scope were never searched: ${missing.join(', ')}; the leaver may still have IAM users there`,
    );
  };

  // A run whose users did not all reach the end says so in its phase, not only per user.
  const finishUnlessSomeoneFailed = (phase: OffboardingPhase, done: string): OffboardingStatus => {
    const failed = status.users.filter(
      (u) => u.actions.some((a) => a.action === 'failed') && !u.actions.some((a) => a.action === done),
    );
    return failed.length === 0
      ? phase === 'completed'
        ? finishCovered(phase)
        : finish(phase)
      : finish(
          'failed',
          `${failed.length} of ${status.users.length} user(s) could not be ${done}: see each user's error`,
        );
  };

  const targetFor = (accountId: string): MemberRoleRef => ({
    accountId,
    roleName: request.access.roleName,
    sessionName: roleSessionName(workflowId),
    ...(request.access.externalId === undefined ? {} : { externalId: request.access.externalId }),
  });
  const policyName = request.containmentPolicyName;
  // A decision that ends the run (an approval, a rejection, a cancel); a timeout never does.
  const decided = (): boolean => gate.decision !== undefined && gate.decision.outcome !== 'timed-out';

  // Approvers' keys from the worker's registry, when it has one (it may also require signatures).
  if (shard === undefined && patched(KEY_REGISTRY)) {
    // Unreadable: fail closed, signatures required and no key known, so nothing can approve a purge.
    const registry = await approverRegistry().catch(() => ({
      configured: true,
      requireSignatures: true,
      publicKeys: {},
    }));
    const keyless = gate.useSignatures(effectiveSignatures(request.approval, registry));
    if (keyless.length > 0) {
      // Containment goes on regardless; only the purge waits for approvals these people cannot sign.
      log.warn('approval.signatures is required but some approvers have no public key', {
        keyless: keyless.length,
      });
    }
  }

  // 1. Discover.
  // Every ACTIVE account of the organization, unless the request names the accounts to search.
  const includeAccounts = request.scope.includeAccounts ?? [];
  let accounts: AccountRef[] | undefined = shard?.accounts;
  for (let attempt = 1; accounts === undefined; attempt++) {
    try {
      accounts = await listAccountsThrough(listAccountsInScope, {
        allAccounts: includeAccounts.length === 0,
        includeOus: [],
        excludeOus: [],
        includeAccounts,
        excludeAccounts: request.scope.excludeAccounts,
      });
      delete status.error;
    } catch (error) {
      const message = `listing the accounts in scope failed: ${failureMessage(error)}`;
      if (!patched(RETRY_UNANSWERED_ACCOUNTS)) return finish('failed', message);
      const delayMs = accountRetryDelayMs(attempt);
      status.error = `${message} (attempt ${attempt}; next at ${new Date(Date.now() + delayMs).toISOString()})`;
      enter('retrying-accounts');
      if (await condition(decided, delayMs)) {
        return finish('incomplete', `${message}; stopped by the decision (${gate.decision?.outcome})`);
      }
    }
  }
  const accountById = new Map(accounts.map((a) => [a.accountId, a]));

  // 1+2. Search each account (bounded fan-out) and contain its matches at once, without waiting
  // for the other accounts: a slow or failing account delays and stops no one else (in a batch,
  // it delays only the report of the other accounts of its activity, contained meanwhile).
  const recordContained = (user: OffboardedUser, result: ContainmentResult): void => {
    // The first record wins: a later one would describe the contained state.
    user.prior ??= result.prior;
    user.containedAt = result.containedAt;
    user.alreadyContained = result.alreadyContained;
    if (result.sessionsIssuedBefore !== undefined) user.sessionsIssuedBefore = result.sessionsIssuedBefore;
    delete user.containment;
    user.actions.push({
      action: 'contained',
      at: result.containedAt,
      detail: `deactivated ${result.deactivatedKeyIds.length} key(s); deny policy ${policyName}${
        result.sessionsIssuedBefore ? ` (denies sessions issued before ${result.sessionsIssuedBefore})` : ''
      }`,
    });
  };
  // Half contained: say exactly which step held. Only both steps make a user contained.
  const recordIncomplete = (user: OffboardedUser, steps: ContainmentSteps, error: string): void => {
    user.containment = steps;
    user.error = error;
    user.actions.push({
      action: 'containment-incomplete',
      at: new Date().toISOString(),
      detail: describeSteps(steps),
    });
  };
  const contain = async (user: OffboardedUser): Promise<void> => {
    if (status.phase === 'discovering') enter('containing');
    try {
      const result = await containUser({
        target: targetFor(user.accountId),
        userName: user.userName,
        policyName,
      });
      recordContained(user, result);
    } catch (error) {
      const details = failureDetails(error);
      user.prior ??= details?.prior;
      if (details?.steps === undefined) {
        fail(user, error);
        return;
      }
      recordIncomplete(user, details.steps, failureMessage(error));
    }
  };
  // Records an account that answered, with the users it holds.
  const searched = (account: AccountRef, matched: MatchedUser[]): OffboardedUser[] => {
    status.accountsFailed = status.accountsFailed.filter((f) => f.accountId !== account.accountId);
    status.accountsSearched.push(account.accountId);
    const at = new Date().toISOString();
    const users = matched.map((user): OffboardedUser => ({
      accountId: account.accountId,
      accountName: account.name,
      userName: user.userName,
      matchedBy: user.matchedBy,
      actions: [{ action: 'matched', at, detail: user.matchedBy }],
      purgeSteps: [],
    }));
    status.users.push(...users);
    if (gate.snapshot().openedAt !== undefined && patched(PLAN_OFFERS)) offerPlan();
    return users;
  };
  const searchAccount = async (account: AccountRef): Promise<void> => {
    let matched: MatchedUser[];
    try {
      matched = await findMatchingUsers({ target: targetFor(account.accountId), match: request.match });
    } catch (error) {
      markUnanswered(status, account.accountId, failureMessage(error));
      return;
    }
    await Promise.all(searched(account, matched).map(contain));
  };
  const usersInFlight = request.limits?.usersInFlightPerAccount ?? USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT;
  // Reads the credentials part of the prior state of users contained by containLeaverInAccount.
  // Queued until the first round of containment is done, so they never compete with it.
  const credentialReads: Array<{ accountId: string; users: OffboardedUser[] }> = [];
  let readCredentialsAtOnce = false;
  const readCredentials = async ({ accountId, users }: { accountId: string; users: OffboardedUser[] }) => {
    const unread = users.filter((u) => u.prior?.credentialsUnread === true);
    if (unread.length === 0) return;
    try {
      const read = await readLeaverCredentials({
        target: targetFor(accountId),
        userNames: unread.map((u) => u.userName),
        usersInFlight,
      });
      for (const user of unread) {
        const credentials = read[user.userName];
        if (credentials === undefined || user.prior === undefined) continue;
        Object.assign(user.prior, credentials);
        delete user.prior.credentialsUnread;
      }
    } catch (error) {
      // Containment stands; the report says these parts of the prior state were not read.
      log.warn('could not read the credentials of contained users', {
        accountId,
        error: failureMessage(error),
      });
    }
  };
  // CONTAIN_PER_ACCOUNT: the account's users come back contained; what did not fully hold goes on
  // to containUser (persistent retries), unless every error was final (a quota, an SCP).
  const searchAndContainAccount = async (
    account: AccountRef,
    earlierAttempt?: { progress?: ContainmentProgress },
  ): Promise<void> => {
    let outcomes: AccountContainmentOutcome[];
    try {
      outcomes = (
        await containLeaverInAccount({
          target: targetFor(account.accountId),
          match: request.match,
          policyName,
          usersInFlight,
          ...(earlierAttempt === undefined ? {} : { earlierAttempt }),
        })
      ).users;
    } catch (error) {
      markUnanswered(status, account.accountId, failureMessage(error));
      return;
    }
    await recordAccountContainment(account, outcomes);
  };
  // CONTAIN_IN_BATCHES: an account a batch could not search for a reason that may pass, and every
  // account of a batch that failed, go on to containLeaverInAccount and its quick retries; the
  // latter with the batch's record of the account, so its prior state is the one read first.
  // `release` frees the account's slot once everything done for it has ended.
  const searchAndContainBatch = async (batch: AccountRef[], release: () => void): Promise<void> => {
    let answers: BatchAccountOutcome[] = [];
    let failedBatch: { records: Record<string, ContainmentProgress> } | undefined;
    try {
      answers = (
        await containLeaverInAccounts({
          targets: batch.map((a) => targetFor(a.accountId)),
          match: request.match,
          policyName,
          usersInFlight,
        })
      ).accounts;
    } catch (error) {
      if (isCancellation(error)) throw error;
      failedBatch = { records: batchRecords(error) };
      log.warn('a containment batch failed: its accounts are searched one by one', {
        accounts: batch.length,
        recorded: Object.keys(failedBatch.records).length,
        error: failureMessage(error),
      });
    }
    const byId = new Map(answers.map((a) => [a.accountId, a]));
    const settle = async (account: AccountRef): Promise<void> => {
      const answer = byId.get(account.accountId);
      if (answer?.searched === true) return recordAccountContainment(account, answer.users);
      // A final answer (access denied, an invalid role) is not asked again right away.
      if (answer?.retryable === false) return markUnanswered(status, account.accountId, answer.error);
      if (failedBatch === undefined) return searchAndContainAccount(account);
      return searchAndContainAccount(account, { progress: failedBatch.records[account.accountId] });
    };
    await Promise.all(batch.map((account) => settle(account).finally(release)));
  };
  const recordAccountContainment = async (
    account: AccountRef,
    outcomes: AccountContainmentOutcome[],
  ): Promise<void> => {
    const users = searched(account, outcomes);
    if (users.length > 0 && status.phase === 'discovering') enter('containing');
    await Promise.all(
      users.map(async (user, i) => {
        const outcome = outcomes[i];
        if (outcome?.outcome === 'contained') return recordContained(user, outcome.result);
        if (outcome?.outcome === 'incomplete') {
          user.prior ??= outcome.prior;
          if (!outcome.retryable) return recordIncomplete(user, outcome.steps, outcome.error);
        }
        await contain(user);
      }),
    );
    const read = { accountId: account.accountId, users };
    if (readCredentialsAtOnce) await readCredentials(read);
    else credentialReads.push(read);
  };
  // Approvers sign the digest of exactly who is purged, and how; users found later change the plan.
  const planLeaf = (u: OffboardedUser) => leafHash('purge', request.purgeMode, u.accountId, u.userName);
  let offeredPlan = new Set<string>();
  const offerPlan = (): void => {
    if (gate.decision) return;
    offeredPlan = new Set(status.users.map(planLeaf));
    gate.offer(
      merkleRoot([...offeredPlan]),
      `${request.purgeMode} for ${status.users.length} user(s) of employee ${request.employeeId}`,
    );
  };
  const sortRecords = (): void => {
    status.accountsSearched.sort(byCodeUnits);
    status.accountsFailed.sort((a, b) => byCodeUnits(a.accountId, b.accountId));
    status.users.sort((a, b) => byCodeUnits(a.accountId, b.accountId) || byCodeUnits(a.userName, b.userName));
  };
  const summarizeContainment = (): void => {
    const containedTimes = status.users.flatMap((u) =>
      u.containedAt === undefined ? [] : [Date.parse(u.containedAt)],
    );
    const containedAtMs = containedTimes.length > 0 ? Math.max(...containedTimes) : Date.now();
    status.containedAt = new Date(containedAtMs).toISOString();
    status.timeToContainmentMs = Math.max(0, containedAtMs - Date.parse(requestedAt));
    status.containmentComplete = status.users.every((u) => u.containedAt !== undefined);
  };

  const perAccount = patched(CONTAIN_PER_ACCOUNT);
  const search = perAccount ? searchAndContainAccount : searchAccount;
  const fanOut = perAccount
    ? (request.limits?.accountsInFlight ??
      (patched(ACCOUNTS_IN_FLIGHT_40) ? ACCOUNTS_IN_FLIGHT_DEFAULT : ACCOUNTS_IN_FLIGHT_DEFAULT_BEFORE_40))
    : DISCOVERY_CONCURRENCY;
  const sharding = input.sharding ?? DEFAULT_SHARDING;
  if (shard === undefined && accounts.length > sharding.aboveAccounts && patched(SHARDED_DISCOVERY)) {
    const merge = (outcome: ShardOutcome): void => {
      if (!outcome.ok) {
        for (const a of outcome.shard.accounts) markUnanswered(status, a.accountId, outcome.error);
        return;
      }
      const found = outcome.status;
      status.accountsSearched.push(...found.accountsSearched);
      status.accountsFailed.push(...found.accountsFailed);
      // Only this workflow judges skips (a shard started before it refused them may have taken one
      // by the request's rules alone): an account a shard skipped is searched again here. Asked
      // only then, so parents already past this point when it was deployed take it too.
      const skippedThere = (found.accountsSkipped ?? []).filter(
        (k) => !found.accountsSearched.includes(k.accountId),
      );
      if (skippedThere.length > 0 && patched(SHARDS_REFER_MESSAGES_TO_PARENT)) {
        for (const k of skippedThere) {
          markUnanswered(status, k.accountId, `skipped inside a shard by ${k.by}; searched again here`);
        }
      }
      status.users.push(...found.users);
      // A shard only contains; the parent reads the credentials part of their prior state.
      const byAccount = new Map<string, OffboardedUser[]>();
      for (const u of found.users) byAccount.set(u.accountId, [...(byAccount.get(u.accountId) ?? []), u]);
      for (const [accountId, users] of byAccount) credentialReads.push({ accountId, users });
      if (found.users.length > 0 && status.phase === 'discovering') enter('containing');
    };
    const shards = shardsOf(workflowId, accounts, sharding.accountsPerShard);
    await forEachBounded(shards, SHARDS_IN_FLIGHT, (s) => runShard(offboardEmployee, input, s, merge));
  } else if (perAccount && patched(CONTAIN_IN_BATCHES)) {
    // Slots are accounts, not batches: an account that takes long (retries, containUser) holds
    // its own slot only, and the next batch starts once there are slots for all its accounts.
    const batchSize = Math.floor(fanOut / Math.ceil(fanOut / ACCOUNTS_PER_CONTAINMENT_BATCH));
    let free = fanOut;
    const running: Array<Promise<void>> = [];
    for (let i = 0; i < accounts.length; i += batchSize) {
      const batch = accounts.slice(i, i + batchSize);
      await condition(() => free >= batch.length);
      free -= batch.length;
      running.push(searchAndContainBatch(batch, () => (free += 1)));
    }
    await Promise.all(running);
  } else {
    await forEachBounded(accounts, fanOut, search);
  }
  sortRecords();
  if (shard !== undefined) {
    // The parent retries the accounts that did not answer, and decides.
    summarizeContainment();
    return finish(status.phase);
  }
  const retrying = status.accountsFailed.length > 0 && patched(RETRY_UNANSWERED_ACCOUNTS);
  if (!retrying && accounts.length > 0 && status.accountsFailed.length === accounts.length) {
    return finish('failed', 'no account in scope could be searched');
  }
  summarizeContainment();
  log.info('containment finished', {
    users: status.users.length,
    timeToContainmentMs: status.timeToContainmentMs,
    complete: status.containmentComplete,
  });
  readCredentialsAtOnce = true;
  const credentialsRead = forEachBounded(credentialReads.splice(0), fanOut, readCredentials);

  // Accounts that did not answer are searched again, with backoff, while the run goes on; the
  // loop ends when every one answered or was skipped, or when a decision ends the run.
  let retriesDone = !retrying;
  const retries = retrying
    ? (async () => {
        for (let round = 1; status.accountsFailed.length > 0 && !decided(); round++) {
          const delayMs = accountRetryDelayMs(round);
          const nextAttemptAt = new Date(Date.now() + delayMs).toISOString();
          for (const failed of status.accountsFailed) failed.nextAttemptAt = nextAttemptAt;
          log.warn('accounts not answering: searching them again later', {
            accounts: status.accountsFailed.length,
            delayMs,
          });
          await condition(() => decided() || status.accountsFailed.length === 0, delayMs);
          if (decided()) break;
          const due = status.accountsFailed.flatMap((f) => accountById.get(f.accountId) ?? []);
          await forEachBounded(due, fanOut, search);
          sortRecords();
        }
        for (const failed of status.accountsFailed) delete failed.nextAttemptAt;
        retriesDone = true;
      })()
    : Promise.resolve();

  // Nothing found yet: keep searching the accounts that did not answer before deciding anything.
  if (status.users.length === 0 && !retriesDone) {
    enter('retrying-accounts');
    await condition(() => retriesDone || status.users.length > 0);
  }
  if (status.users.length === 0) {
    await retries;
    if (!patched(RETRY_UNANSWERED_ACCOUNTS)) return finish('completed');
    return finishCovered('not-found');
  }

  // 3. Approval. Silence never restores a leaver: a timeout escalates and the gate keeps waiting.
  const escalate = (): void => {
    const at = new Date().toISOString();
    status.escalations?.push(at);
    enter('escalated');
    log.warn('offboarding escalated: no decision within the approval timeout; the users stay contained', {
      escalations: status.escalations?.length,
      timeout: request.approval.timeout,
    });
  };
  // The approvers see the whole prior state: the reads after containment finish before the gate opens.
  await credentialsRead;
  enter('awaiting-approval');
  offerPlan();
  let decision: ApprovalDecision;
  for (;;) {
    // Without notifications this waits exactly as gate.waitForDecision does: the same commands.
    decision = (await decisionWithNotices(
      gate,
      workflowId,
      notices.tell,
      () => {
        if (patched(SILENCE_NEVER_RESTORES)) escalate();
      },
      () => false,
    )) as ApprovalDecision;
    if (decision.outcome !== 'timed-out' || !patched(SILENCE_NEVER_RESTORES)) break;
    // A run started while onTimeout 'reject' was accepted: escalate and open the gate again.
    escalate();
    gate.nextRound();
    offerPlan();
  }
  await retries;
  sortRecords();
  summarizeContainment();

  // 4a. Approved: purge, each user in AWS's order, users in parallel.
  if (decision.outcome === 'approved') {
    enter('purging');
    const steps = purgeStepsFor(request.purgeMode);
    // Only who the approvers saw: a user found after the decision stays contained, unpurged.
    const inPlan = (u: OffboardedUser) => offeredPlan.has(planLeaf(u)) || !patched(PLAN_OFFERS);
    for (const user of status.users.filter((u) => !inPlan(u))) {
      user.actions.push({
        action: 'purge-step',
        at: new Date().toISOString(),
        detail: 'not purged: found after the approval, which did not cover this user; still contained',
      });
    }
    await Promise.all(
      status.users
        .filter((u) => offeredPlan.has(planLeaf(u)))
        .map(async (user) => {
          const target = targetFor(user.accountId);
          for (const step of steps) {
            try {
              const record = await purgeStep({ target, userName: user.userName, step, policyName });
              user.purgeSteps.push(record);
              user.actions.push({
                action: 'purge-step',
                at: record.at,
                detail: `${step}: ${record.status}${record.reason ? ` (${record.reason})` : ''}`,
              });
            } catch (error) {
              fail(user, error);
              return; // Strict order: never run a later step after one that failed.
            }
          }
          user.actions.push({ action: 'purged', at: new Date().toISOString(), detail: request.purgeMode });
        }),
    );
    return finishUnlessSomeoneFailed('completed', 'purged');
  }

  // 4b. Rejected or cancelled (or, in runs started before escalation, timed out): restore every user exactly as recorded.
  enter('restoring');
  await Promise.all(
    status.users.map(async (user) => {
      if (user.prior === undefined) {
        user.error = `not restored: no prior state was recorded${user.error ? ` (${user.error})` : ''}; check the user by hand`;
        return;
      }
      try {
        user.restore = await restoreUser({
          target: targetFor(user.accountId),
          userName: user.userName,
          prior: user.prior,
          policyName,
        });
        user.actions.push({ action: 'restored', at: user.restore.at, detail: decision.outcome });
      } catch (error) {
        fail(user, error);
      }
    }),
  );
  return finishUnlessSomeoneFailed('restored', 'restored');
}

/** Records a failed search of an account: it stays in accountsFailed until it answers or is skipped. */
function markUnanswered(status: OffboardingStatus, accountId: string, error: string): void {
  if (status.accountsSkipped?.some((s) => s.accountId === accountId)) return;
  const known = status.accountsFailed.find((f) => f.accountId === accountId);
  if (known) {
    known.error = error;
    known.attempts = (known.attempts ?? 1) + 1;
  } else {
    status.accountsFailed.push({ accountId, error, attempts: 1 });
  }
}

function fail(user: OffboardedUser, error: unknown): void {
  user.error = failureMessage(error);
  user.actions.push({ action: 'failed', at: new Date().toISOString(), detail: user.error });
}

/** Each account's record from the last heartbeat of a batch that timed out (a lost worker); else none. */
function batchRecords(error: unknown): Record<string, ContainmentProgress> {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof TimeoutFailure)) return {};
  const details = error.cause.lastHeartbeatDetails as Partial<BatchProgress> | undefined;
  const accounts = details?.accounts;
  return typeof accounts === 'object' && accounts !== null ? accounts : {};
}

function failureDetails(error: unknown): Partial<ContainmentFailureDetails> | undefined {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) return undefined;
  return error.cause.details?.[0] as Partial<ContainmentFailureDetails> | undefined;
}

/** Runs `fn` over `items`, at most `limit` at a time (deterministic: workflow promises only). */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
