import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { KeywardenActivities } from '../../activities';
import type { ContainmentFailureDetails, MatchedUser } from '../../activities/offboarding-activities';
import { accountListAnswer } from '../../activities/organization-activities';
import type {
  AccountContainmentOutcome,
  BatchAccountOutcome,
  BatchProgress,
} from '../../activities/account-containment';
import type { PriorUserState, PurgeStepRecord } from '../../domain/offboarding-report';

type OffboardingActivities = Pick<
  KeywardenActivities,
  | 'listAccountsInScope'
  | 'findMatchingUsers'
  | 'containUser'
  | 'containLeaverInAccount'
  | 'containLeaverInAccounts'
  | 'restoreUser'
  | 'purgeStep'
>;

/** A leaver's IAM user as the scripted organization holds it. */
export interface ScriptedLeaver {
  userName: string;
  /** Matched by name, or by the tag `email` when this is set. */
  email?: string;
  accessKeyIds: string[];
  groups?: string[];
}

export interface ScriptedOffboardingOptions {
  /**
   * Accounts whose search fails (as AssumeRole into an account in an outage would): the test
   * adds and removes accounts while the workflow runs.
   */
  unreachable?: Set<string>;
  /**
   * `<accountId>/<userName>` of users whose deny policy cannot be put (the inline-policy quota is
   * full): their keys are deactivated and containment fails, non-retryable, with what each step did.
   */
  policyQuotaFullFor?: Set<string>;
  /** Accounts whose next search fails with an error that may pass (a throttle); each fails once. */
  failOnceRetryably?: Set<string>;
  /** The batch (containLeaverInAccounts) holding this account fails as a whole this often, as with a lost worker. */
  failingBatch?: { accountId: string; times: number };
  /**
   * The batch holding this account contains its accounts, heartbeats their records (prior states
   * captured at RECORDED_AT) and is then lost: it never answers again, on every attempt.
   */
  lostBatchOf?: string;
}

/** When a lost batch (ScriptedOffboardingOptions.lostBatchOf) says it read its accounts' prior states. */
export const RECORDED_AT = '2026-01-01T00:00:00.000Z';

/**
 * Scripted offboarding activities with the signatures of activities/offboarding-activities.ts:
 * an in-memory organization (accounts and their users) and a record of every call. Containment
 * records the prior state and deactivates the keys; purge steps remove what the step names.
 */
export function scriptedOffboarding(
  org: Record<string, ScriptedLeaver[]>,
  options: ScriptedOffboardingOptions = {},
) {
  const calls: string[] = [];
  const nowIso = () => new Date().toISOString();
  const contained = new Set<string>();
  const usersOf = (accountId: string) => org[accountId] ?? [];
  const find = (accountId: string, userName: string) => {
    const found = usersOf(accountId).find((u) => u.userName === userName);
    if (!found) throw new Error(`no user ${userName} in ${accountId}`);
    return found;
  };
  const priorOf = (u: ScriptedLeaver): PriorUserState => ({
    capturedAt: nowIso(),
    source: 'observed',
    accessKeys: u.accessKeyIds.map((id) => ({ id, status: 'Active' })),
    uncertainKeyIds: [],
    loginProfile: true,
    attachedPolicyArns: [],
    inlinePolicyNames: [],
    groups: [...(u.groups ?? [])],
    mfaDevices: [],
    sshPublicKeys: [],
    signingCertificates: [],
  });

  const activities: OffboardingActivities = {
    listAccountsInScope: (scope, options) =>
      Promise.resolve(
        accountListAnswer(
          (scope.includeAccounts.length > 0 ? scope.includeAccounts : Object.keys(org).sort())
            .filter((accountId) => !scope.excludeAccounts.includes(accountId))
            .map((accountId) => ({ accountId, name: `acct-${accountId}` })),
          options,
        ),
      ),
    findMatchingUsers: ({ target, match }) => {
      calls.push(`find ${target.accountId}`);
      if (options.failOnceRetryably?.delete(target.accountId)) {
        return Promise.reject(
          ApplicationFailure.retryable(
            `searching the IAM users of account ${target.accountId}: Throttling: Rate exceeded`,
            'Throttling',
          ),
        );
      }
      if (options.unreachable?.has(target.accountId)) {
        return Promise.reject(
          ApplicationFailure.nonRetryable(
            `searching the IAM users of account ${target.accountId}: AccessDenied: not authorized to perform sts:AssumeRole`,
            'AccessDenied',
          ),
        );
      }
      const names = new Set(match.userNames.map((n) => n.toLowerCase()));
      const emails = new Set(match.tagValues.map((v) => v.toLowerCase()));
      const matched = usersOf(target.accountId).flatMap((u): MatchedUser[] => {
        if (names.has(u.userName.toLowerCase())) return [{ userName: u.userName, matchedBy: 'userName' }];
        if (u.email !== undefined && emails.has(u.email.toLowerCase())) {
          return [{ userName: u.userName, matchedBy: `tag:${match.tagKey}` }];
        }
        return [];
      });
      return Promise.resolve(matched);
    },
    // Search and containment in one: the same calls are recorded as by the two activities it replaces.
    containLeaverInAccount: async ({ target, match, policyName, earlierAttempt }) => {
      if (earlierAttempt !== undefined) {
        const recorded = earlierAttempt.progress === undefined ? 'without' : 'with';
        calls.push(`after a lost batch ${target.accountId} ${recorded} its record`);
      }
      const matched = await activities.findMatchingUsers({ target, match });
      const users = await Promise.all(
        matched.map(async ({ userName, matchedBy }): Promise<AccountContainmentOutcome> => {
          try {
            const result = await activities.containUser({ target, userName, policyName });
            // As the real activity does: the prior state an earlier attempt recorded stands.
            const recordedPrior = earlierAttempt?.progress?.priors[userName];
            if (recordedPrior !== undefined) result.prior = recordedPrior;
            return { userName, matchedBy, outcome: 'contained', result };
          } catch (error) {
            const failure = error as ApplicationFailure;
            const details = failure.details?.[0] as ContainmentFailureDetails;
            if (details.steps === undefined) throw error;
            return {
              userName,
              matchedBy,
              outcome: 'incomplete',
              prior: details.prior,
              steps: details.steps,
              error: failure.message,
              retryable: !failure.nonRetryable,
            };
          }
        }),
      );
      return { users };
    },
    // A batch: each account as containLeaverInAccount does it; an account that fails is reported.
    containLeaverInAccounts: async ({ targets, ...rest }) => {
      calls.push(`batch ${targets.map((t) => t.accountId).join(',')}`);
      if (options.lostBatchOf !== undefined && targets.some((t) => t.accountId === options.lostBatchOf)) {
        const context = Context.current();
        const record: BatchProgress = { accounts: {} };
        for (const target of targets) {
          const contained =
            context.info.attempt === 1
              ? await activities.containLeaverInAccount({ ...rest, target })
              : { users: [] };
          const priors = Object.fromEntries(
            usersOf(target.accountId).map((u) => [u.userName, { ...priorOf(u), capturedAt: RECORDED_AT }]),
          );
          record.accounts[target.accountId] = { priors };
          calls.push(`batch contained ${target.accountId} (${contained.users.length} user(s))`);
        }
        context.heartbeat(record);
        await context.cancelled; // lost: never answers
      }
      const failing = options.failingBatch;
      if (
        failing !== undefined &&
        failing.times > 0 &&
        targets.some((t) => t.accountId === failing.accountId)
      ) {
        failing.times -= 1;
        throw ApplicationFailure.retryable('the worker running the batch was lost', 'WorkerLost');
      }
      const accounts = await Promise.all(
        targets.map(async (target): Promise<BatchAccountOutcome> => {
          try {
            const { users } = await activities.containLeaverInAccount({ ...rest, target });
            return { accountId: target.accountId, searched: true, users };
          } catch (error) {
            const failure = error as ApplicationFailure;
            return {
              accountId: target.accountId,
              searched: false,
              error: failure.message,
              retryable: !failure.nonRetryable,
            };
          }
        }),
      );
      return { accounts };
    },
    containUser: ({ target, userName }) => {
      calls.push(`contain ${target.accountId}/${userName}`);
      const u = find(target.accountId, userName);
      const key = `${target.accountId}/${userName}`;
      if (options.policyQuotaFullFor?.has(key)) {
        const details: ContainmentFailureDetails = {
          prior: priorOf(u),
          steps: {
            keysDeactivated: true,
            denyPolicyAttached: false,
            failures: [
              `putting the deny policy of user ${userName}: LimitExceeded: Cannot exceed quota for PolicySize: 2048`,
            ],
          },
        };
        return Promise.reject(
          ApplicationFailure.create({
            message: `containment incomplete for user ${userName} in account ${target.accountId}: keys deactivated; deny policy NOT attached`,
            type: 'LimitExceeded',
            nonRetryable: true,
            details: [details],
          }),
        );
      }
      const alreadyContained = contained.has(key);
      contained.add(key);
      return Promise.resolve({
        prior: priorOf(u),
        alreadyContained,
        deactivatedKeyIds: alreadyContained ? [] : [...u.accessKeyIds],
        containedAt: nowIso(),
      });
    },
    restoreUser: ({ target, userName, prior }) => {
      calls.push(`restore ${target.accountId}/${userName}`);
      contained.delete(`${target.accountId}/${userName}`);
      return Promise.resolve({
        reactivatedKeyIds: prior.accessKeys.filter((k) => k.status === 'Active').map((k) => k.id),
        leftInactiveKeyIds: prior.accessKeys.filter((k) => k.status === 'Inactive').map((k) => k.id),
        missingKeyIds: [],
        unexpectedKeyIds: [],
        policyRemoved: true,
        policyPutBack: false,
        at: nowIso(),
      });
    },
    purgeStep: ({ target, userName, step, policyName }) => {
      calls.push(`purge ${target.accountId}/${userName} ${step}`);
      const u = find(target.accountId, userName);
      const items: Partial<Record<PurgeStepRecord['step'], string[]>> = {
        'login-profile': ['login-profile'],
        'access-keys': [...u.accessKeyIds],
        'inline-policies': [policyName],
        groups: [...(u.groups ?? [])],
        user: [userName],
      };
      const removed = items[step] ?? [];
      return Promise.resolve({
        step,
        items: removed,
        status: removed.length > 0 ? 'done' : 'nothing-to-do',
        at: nowIso(),
      });
    },
  };
  return { calls, activities };
}
