import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { ContainmentFailureDetails, MatchedUser } from '../activities/offboarding-activities';
import type { ApprovalDecision } from '../domain/approval-state';
import { durationToMs } from '../domain/duration';
import { byCodeUnits } from '../domain/order';
import { leafHash, merkleRoot } from '../domain/plan-digest';
import type { AccountRef } from '../domain/inventory';
import type { OffboardingRequest } from '../domain/offboarding-request';
import {
  purgeStepsFor,
  type OffboardedUser,
  type OffboardingPhase,
  type OffboardingStatus,
  type PriorUserState,
} from '../domain/offboarding-report';
import { KeywardenPhase } from '../domain/search-attributes';
import { roleSessionName } from '../domain/session-name';
import { failureMessage } from './failure-message';
import { ApprovalGate } from './approval-gate';

export interface OffboardEmployeeInput {
  request: OffboardingRequest;
  /** ISO-8601: when HR called (the webhook's receipt time), the start of time-to-containment. */
  requestedAt: string;
}

export const offboardingStatusQuery = defineQuery<OffboardingStatus>('status');

/** Accounts searched at once during discovery. */
export const DISCOVERY_CONCURRENCY = 10;

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

const { restoreUser, purgeStep } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Offboards a leaver across the organization. Its workflow ID is `offboard-<employeeId>` (set by
 * the starter), so a repeated HR call finds this run instead of starting another.
 *
 * 1. Discover the matching IAM users in every account in scope (bounded fan-out).
 * 2. Contain every one of them at once: record the prior state, put a deny-all inline policy,
 *    deactivate every key. No approval is needed; one account failing does not stop the others.
 * 3. Wait at the approval gate (approve / reject / cancel, with a timeout policy).
 * 4. Approved: purge each user in AWS's documented order. Otherwise: restore each user exactly.
 */
export async function offboardEmployee(input: OffboardEmployeeInput): Promise<OffboardingStatus> {
  const { request, requestedAt } = input;
  const workflowId = workflowInfo().workflowId;
  const gate = new ApprovalGate({
    approvers: request.approval.approvers,
    requiredApprovals: request.approval.requiredApprovals,
    initiator: request.initiator,
    timeoutMs: durationToMs(request.approval.timeout),
    onTimeout: request.approval.onTimeout,
    signatures: request.approval.signatures,
    publicKeys: request.approval.publicKeys,
    acceptsCancel: true,
    refuseBeforeOpen: false,
  }).listen();

  const status: OffboardingStatus = {
    employeeId: request.employeeId,
    workflowId,
    phase: 'discovering',
    requestedAt,
    users: [],
    accountsSearched: [],
    accountsFailed: [],
    approval: gate.snapshot(),
    purgeMode: request.purgeMode,
  };
  setHandler(offboardingStatusQuery, () => ({ ...status, approval: gate.snapshot() }));

  const enter = (phase: OffboardingPhase): void => {
    status.phase = phase;
    upsertSearchAttributes([{ key: KeywardenPhase, value: phase }]);
    log.info('offboarding phase', { phase });
  };
  const finish = (phase: OffboardingPhase, error?: string): OffboardingStatus => {
    enter(phase);
    if (error !== undefined) status.error = error;
    status.finishedAt = new Date().toISOString();
    return { ...status, approval: gate.snapshot() };
  };

  // A run whose users did not all reach the end says so in its phase, not only per user.
  const finishUnlessSomeoneFailed = (phase: OffboardingPhase, done: string): OffboardingStatus => {
    const failed = status.users.filter(
      (u) => u.actions.some((a) => a.action === 'failed') && !u.actions.some((a) => a.action === done),
    );
    return failed.length === 0
      ? finish(phase)
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

  // 1. Discover.
  // Every ACTIVE account of the organization, unless the request names the accounts to search.
  const includeAccounts = request.scope.includeAccounts ?? [];
  let accounts: AccountRef[];
  try {
    accounts = await listAccountsInScope({
      allAccounts: includeAccounts.length === 0,
      includeOus: [],
      excludeOus: [],
      includeAccounts,
      excludeAccounts: request.scope.excludeAccounts,
    });
  } catch (error) {
    return finish('failed', `listing the accounts in scope failed: ${failureMessage(error)}`);
  }

  // 1+2. Search each account (bounded fan-out) and contain its matches at once, without waiting
  // for the other accounts: a slow or failing account delays and stops no one else.
  const contain = async (user: OffboardedUser): Promise<void> => {
    if (status.phase === 'discovering') enter('containing');
    try {
      const result = await containUser({
        target: targetFor(user.accountId),
        userName: user.userName,
        policyName,
      });
      // The first record wins: a later one would describe the contained state.
      user.prior ??= result.prior;
      user.containedAt = result.containedAt;
      user.alreadyContained = result.alreadyContained;
      user.actions.push({
        action: 'contained',
        at: result.containedAt,
        detail: `deny policy ${policyName}; deactivated ${result.deactivatedKeyIds.length} key(s)`,
      });
    } catch (error) {
      user.prior ??= priorFromFailure(error);
      fail(user, error);
    }
  };
  await forEachBounded(accounts, DISCOVERY_CONCURRENCY, async (account) => {
    let matched: MatchedUser[];
    try {
      matched = await findMatchingUsers({ target: targetFor(account.accountId), match: request.match });
    } catch (error) {
      status.accountsFailed.push({ accountId: account.accountId, error: failureMessage(error) });
      return;
    }
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
    await Promise.all(users.map(contain));
  });
  status.accountsSearched.sort();
  status.accountsFailed.sort((a, b) => byCodeUnits(a.accountId, b.accountId));
  status.users.sort((a, b) => byCodeUnits(a.accountId, b.accountId) || byCodeUnits(a.userName, b.userName));
  if (accounts.length > 0 && status.accountsFailed.length === accounts.length) {
    return finish('failed', 'no account in scope could be searched');
  }
  const containedTimes = status.users.flatMap((u) =>
    u.containedAt === undefined ? [] : [Date.parse(u.containedAt)],
  );
  const containedAtMs = containedTimes.length > 0 ? Math.max(...containedTimes) : Date.now();
  status.containedAt = new Date(containedAtMs).toISOString();
  status.timeToContainmentMs = Math.max(0, containedAtMs - Date.parse(requestedAt));
  status.containmentComplete = status.users.every((u) => u.containedAt !== undefined);
  log.info('containment finished', {
    users: status.users.length,
    timeToContainmentMs: status.timeToContainmentMs,
    complete: status.containmentComplete,
  });

  if (status.users.length === 0) {
    return finish('completed');
  }

  // 3. Approval.
  enter('awaiting-approval');
  // Approvers sign the digest of exactly who is purged, and how.
  gate.offer(
    merkleRoot(status.users.map((u) => leafHash('purge', request.purgeMode, u.accountId, u.userName))),
    `${request.purgeMode} for ${status.users.length} user(s) of employee ${request.employeeId}`,
  );
  const decision = (await gate.waitForDecision()) as ApprovalDecision;

  // 4a. Approved: purge, each user in AWS's order, users in parallel.
  if (decision.outcome === 'approved') {
    enter('purging');
    const steps = purgeStepsFor(request.purgeMode);
    await Promise.all(
      status.users.map(async (user) => {
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

  // 4b. Rejected, cancelled or timed out: restore every user exactly as recorded.
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

function fail(user: OffboardedUser, error: unknown): void {
  user.error = failureMessage(error);
  user.actions.push({ action: 'failed', at: new Date().toISOString(), detail: user.error });
}

function priorFromFailure(error: unknown): PriorUserState | undefined {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const details = error.cause.details?.[0] as Partial<ContainmentFailureDetails> | undefined;
  return details?.prior;
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
