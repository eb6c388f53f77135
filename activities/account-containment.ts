import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  describeSteps,
  type ContainmentResult,
  type ContainmentSteps,
  type PriorUserState,
} from '../domain/offboarding-report';
import type { MemberRoleRef } from './aws/credentials';
import { ErrorType } from '../domain/errors';
import { toActivityFailure } from './aws/errors';
import type { IamGateway, UserAuthorizationDetails } from './aws/iam-gateway';
import { mapWithConcurrency, SdkIamGateway } from './aws/iam-gateway';
import type { ActivityDeps } from './deps';
import { matchLeaver, type UserMatch } from './leaver-match';
import { credentials, optional } from './offboarding-activities';
import { containmentPolicyDocument, isContainmentPolicy, sessionsIssuedBefore } from './offboarding-policy';

export interface ContainLeaverInAccountInput {
  target: MemberRoleRef;
  match: UserMatch;
  policyName: string;
  /** Matching users contained at once in this account. */
  usersInFlight: number;
  /**
   * Set when an earlier activity (a batch that failed as a whole) may already have changed this
   * account: its record of the account, when the workflow has it. A user it holds no record of
   * gets an `inferred` prior state, its Inactive keys uncertain.
   */
  earlierAttempt?: { progress?: ContainmentProgress };
}

/**
 * What happened to one matching user. `contained`: both steps hold. `incomplete`: a step did not
 * hold (`retryable` says whether containUser should try again). `not-started`: the user's keys
 * could not be read, so nothing was changed; containUser takes it from there.
 */
export type AccountContainmentOutcome =
  | { userName: string; matchedBy: string; outcome: 'contained'; result: ContainmentResult }
  | {
      userName: string;
      matchedBy: string;
      outcome: 'incomplete';
      prior: PriorUserState;
      steps: ContainmentSteps;
      error: string;
      retryable: boolean;
    }
  | { userName: string; matchedBy: string; outcome: 'not-started'; error: string };

export interface AccountContainment {
  users: AccountContainmentOutcome[];
}

export interface ContainLeaverInAccountsInput {
  targets: MemberRoleRef[];
  match: UserMatch;
  policyName: string;
  /** Matching users contained at once in each account. */
  usersInFlight: number;
}

/**
 * One account of a batch: its users, or why it could not be searched (its discovery failed: no
 * user was matched or changed) and whether trying again could help.
 */
export type BatchAccountOutcome =
  | { accountId: string; searched: true; users: AccountContainmentOutcome[] }
  | { accountId: string; searched: false; error: string; retryable: boolean };

export interface AccountsContainment {
  accounts: BatchAccountOutcome[];
}

/** Heartbeated before the first change (priors) and after containment (results), for a retry. */
export interface ContainmentProgress {
  priors: Record<string, PriorUserState>;
  results?: Record<string, ContainmentResult>;
}

const nowIso = (): string => new Date().toISOString();

function progressFromHeartbeat(details: unknown): ContainmentProgress {
  if (typeof details !== 'object' || details === null || !('priors' in details)) return { priors: {} };
  return details as ContainmentProgress;
}

/** A batch's heartbeat: each account's progress, as containLeaverInAccount heartbeats its own. */
export interface BatchProgress {
  accounts: Record<string, ContainmentProgress>;
}

function batchProgressFromHeartbeat(details: unknown): BatchProgress {
  if (typeof details !== 'object' || details === null || !('accounts' in details)) return { accounts: {} };
  return details as BatchProgress;
}

/**
 * The prior state from the account's authorization details and the user's keys. When the
 * containment policy is already there, an earlier attempt had begun (see PriorUserState.source);
 * so it may have when `afterUnrecordedAttempt` (a batch failed as a whole and left no record of
 * the account): its keys may have been deactivated before the policy was put.
 * Login profile, MFA devices, SSH keys and signing certificates are left for readLeaverCredentials
 * (credentialsUnread): containment does not change them, so they are read once every account is
 * contained, off the critical path.
 */
function priorFrom(
  user: UserAuthorizationDetails,
  keys: Array<{ accessKeyId: string; status: 'Active' | 'Inactive' }>,
  policyName: string,
  afterUnrecordedAttempt: boolean,
): PriorUserState {
  const current = user.inlinePolicies[policyName];
  const policyThere = current !== undefined && isContainmentPolicy(current);
  const inferred = policyThere || afterUnrecordedAttempt;
  const accessKeys = keys.map((k) => ({ id: k.accessKeyId, status: k.status }));
  const prior: PriorUserState = {
    capturedAt: nowIso(),
    source: inferred ? 'inferred' : 'observed',
    accessKeys,
    uncertainKeyIds: inferred ? accessKeys.filter((k) => k.status === 'Inactive').map((k) => k.id) : [],
    loginProfile: false,
    attachedPolicyArns: user.attachedPolicyArns,
    inlinePolicyNames: Object.keys(user.inlinePolicies).filter((name) => name !== policyName),
    groups: user.groups,
    mfaDevices: [],
    sshPublicKeys: [],
    signingCertificates: [],
    credentialsUnread: true,
  };
  if (current !== undefined && !policyThere) prior.replacedPolicyDocument = current;
  return prior;
}

/** What the prior state records besides keys and policies; containment does not change it. */
export type LeaverCredentials = Pick<
  PriorUserState,
  'loginProfile' | 'mfaDevices' | 'sshPublicKeys' | 'signingCertificates'
>;

export interface ReadLeaverCredentialsInput {
  target: MemberRoleRef;
  userNames: string[];
  usersInFlight: number;
}

async function readCredentials(iam: IamGateway, userName: string): Promise<LeaverCredentials> {
  const [loginProfile, mfa, ssh, certs] = await Promise.all([
    optional(iam.getLoginProfile(userName), undefined),
    optional(iam.listMfaDevices(userName), []),
    optional(iam.listSshPublicKeys(userName), []),
    optional(iam.listSigningCertificates(userName), []),
  ]);
  return {
    loginProfile: loginProfile !== undefined,
    mfaDevices: mfa.map((d) => d.serialNumber),
    sshPublicKeys: credentials(ssh),
    signingCertificates: credentials(certs),
  };
}

export function createAccountContainmentActivities(deps: ActivityDeps) {
  /** One account searched and its matching users' prior states read; nothing changed yet. */
  interface Discovered {
    iam: IamGateway;
    target: MemberRoleRef;
    matched: Array<{ user: UserAuthorizationDetails; matchedBy: string }>;
    keysRead: Array<{
      keys?: Array<{ accessKeyId: string; status: 'Active' | 'Inactive' }>;
      error?: ApplicationFailure;
    }>;
    priors: Record<string, PriorUserState>;
  }

  /**
   * Finds the leaver's users in one account and reads their prior states, keeping those of
   * `progress` (an earlier attempt's record). Throws when the account cannot be searched.
   */
  async function discover(
    { target, match, usersInFlight, policyName }: ContainLeaverInAccountInput,
    progress: ContainmentProgress,
    afterUnrecordedAttempt: boolean,
  ): Promise<Discovered> {
    const iam: IamGateway = new SdkIamGateway(deps.aws.member(target).iam);
    let matched: Discovered['matched'];
    try {
      const users = await iam.userAuthorizationDetails();
      const found = await Promise.all(
        users.map(async (user) => {
          const matchedBy = await matchLeaver(match, user.userName, () => Promise.resolve(user.tags));
          return matchedBy === undefined ? [] : [{ user, matchedBy }];
        }),
      );
      matched = found.flat();
    } catch (error) {
      throw toActivityFailure(error, `searching the IAM users of account ${target.accountId}`);
    }
    // Read each user's keys: with the authorization details, the prior state.
    const keysRead = await mapWithConcurrency(matched, usersInFlight, async ({ user }) => {
      try {
        return { keys: await iam.listAccessKeys(user.userName) };
      } catch (error) {
        const where = `user ${user.userName} in account ${target.accountId}`;
        return { error: toActivityFailure(error, `listing the access keys of ${where}`) };
      }
    });
    const priors: Record<string, PriorUserState> = { ...progress.priors };
    matched.forEach(({ user }, i) => {
      const read = keysRead[i];
      if (read?.keys !== undefined) {
        priors[user.userName] ??= priorFrom(user, read.keys, policyName, afterUnrecordedAttempt);
      }
    });
    return { iam, target, matched, keysRead, priors };
  }

  /** Contains the users `discover` found, from their recorded prior states; their results. */
  async function containDiscovered(
    { iam, target, matched, keysRead, priors }: Discovered,
    { policyName, usersInFlight }: Pick<ContainLeaverInAccountInput, 'policyName' | 'usersInFlight'>,
    progress: ContainmentProgress,
  ): Promise<AccountContainment> {
    const where = (userName: string) => `user ${userName} in account ${target.accountId}`;
    const outcomes = await mapWithConcurrency(
      matched,
      usersInFlight,
      async ({ user, matchedBy }, i): Promise<AccountContainmentOutcome> => {
        const { userName } = user;
        const read = keysRead[i];
        const prior = priors[userName];
        if (read?.keys === undefined || prior === undefined) {
          return {
            userName,
            matchedBy,
            outcome: 'not-started',
            error: read?.error?.message ?? 'keys not read',
          };
        }
        const done = progress.results?.[userName];
        if (done !== undefined) return { userName, matchedBy, outcome: 'contained', result: done };

        const failures: ApplicationFailure[] = [];
        const attempt = async <T>(what: string, step: () => Promise<T>): Promise<T | undefined> => {
          try {
            return await step();
          } catch (error) {
            failures.push(toActivityFailure(error, `${what} of ${where(userName)}`));
            return undefined;
          }
        };
        // 1. Keys first: a deactivated key is useless whatever happens to the policy.
        const active = read.keys.filter((k) => k.status === 'Active');
        const deactivated: string[] = [];
        await Promise.all(
          active.map((key) =>
            attempt(`deactivating access key ${key.accessKeyId}`, async () => {
              await iam.updateAccessKeyStatus(userName, key.accessKeyId, 'Inactive');
              deactivated.push(key.accessKeyId);
            }),
          ),
        );
        // 2. Then the deny policy, whatever happened to the keys.
        const containedAt = nowIso();
        const policy = await attempt('putting the deny policy', async () => {
          const since = sessionsIssuedBefore(user.inlinePolicies[policyName]);
          if (since !== undefined) return { wasThere: true, since };
          await iam.putUserPolicy(userName, policyName, containmentPolicyDocument(containedAt));
          return { wasThere: false, since: containedAt };
        });
        deactivated.sort();
        if (failures.length === 0 && policy !== undefined) {
          const result: ContainmentResult = {
            prior,
            alreadyContained: policy.wasThere && deactivated.length === 0,
            deactivatedKeyIds: deactivated,
            containedAt: nowIso(),
            sessionsIssuedBefore: policy.since,
          };
          return { userName, matchedBy, outcome: 'contained', result };
        }
        const steps: ContainmentSteps = {
          keysDeactivated: deactivated.length === active.length,
          denyPolicyAttached: policy !== undefined,
          failures: failures.map((f) => f.message),
        };
        return {
          userName,
          matchedBy,
          outcome: 'incomplete',
          prior,
          steps,
          error: `containment incomplete for ${where(userName)}: ${describeSteps(steps)}`,
          retryable: !failures.every((f) => f.nonRetryable),
        };
      },
    );
    return { users: outcomes };
  }

  /** The progress to heartbeat after containment: the priors, and every contained user's result. */
  function progressAfter(
    priors: Record<string, PriorUserState>,
    earlier: ContainmentProgress,
    { users }: AccountContainment,
  ): ContainmentProgress {
    const results: Record<string, ContainmentResult> = { ...earlier.results };
    for (const o of users) if (o.outcome === 'contained') results[o.userName] = o.result;
    return { priors, results };
  }

  return {
    /**
     * Finds the leaver's users in one account and contains them, in one activity and with the
     * fewest calls: one GetAccountAuthorizationDetails (users with their tags, groups and
     * policies, the inline documents included) instead of ListUsers and a ListUserTags per
     * user; then per matching user ListAccessKeys, an UpdateAccessKey per Active key and the
     * PutUserPolicy of the deny policy (skipped when it is already there): four calls for one
     * leaver with one key, plus the AssumeRole behind the account's cached credentials. The same two
     * independent steps as containUser, each run whatever happened to the other; the prior state
     * is heartbeated before the first change, so a retried attempt keeps the first record.
     *
     * A discovery failure fails the activity (the workflow searches the account again). A user
     * whose containment did not fully hold is reported, not thrown, so the other users' results
     * stand; the workflow hands a retryable one to containUser and its persistent retries.
     */
    async containLeaverInAccount(input: ContainLeaverInAccountInput): Promise<AccountContainment> {
      const context = Context.current();
      const heartbeated = context.info.heartbeatDetails as unknown;
      const progress =
        heartbeated !== undefined
          ? progressFromHeartbeat(heartbeated)
          : progressFromHeartbeat(input.earlierAttempt?.progress);
      // A batch that failed as a whole may have changed the account; without its record, the
      // keys found Inactive may have been deactivated by it.
      const afterUnrecordedAttempt =
        heartbeated === undefined &&
        input.earlierAttempt !== undefined &&
        input.earlierAttempt.progress === undefined;
      const found = await discover(input, progress, afterUnrecordedAttempt);
      context.heartbeat({ priors: found.priors, results: progress.results } satisfies ContainmentProgress);
      const contained = await containDiscovered(found, input, progress);
      context.heartbeat(progressAfter(found.priors, progress, contained) satisfies ContainmentProgress);
      return contained;
    },

    /**
     * containLeaverInAccount for several accounts in one activity, all at once: the same calls per
     * account, without a workflow task and an activity dispatch for each. An account that could
     * not be searched is reported (`searched: false`), not thrown, so the others' results stand;
     * the workflow gives it to containLeaverInAccount and its own retries unless the failure is
     * final (then the account waits for the workflow's own retry rounds). The heartbeat holds each
     * account's progress, so a retried batch keeps the first record of every account: every
     * account is searched and its prior states read before any is changed, and that first
     * heartbeat, which the SDK sends at once (later ones at most every 0.8 heartbeat timeouts),
     * holds them all, as containLeaverInAccount's first heartbeat holds its account's.
     */
    async containLeaverInAccounts({
      targets,
      ...rest
    }: ContainLeaverInAccountsInput): Promise<AccountsContainment> {
      const context = Context.current();
      const earlier = batchProgressFromHeartbeat(context.info.heartbeatDetails).accounts;
      const progressOf = (accountId: string): ContainmentProgress => earlier[accountId] ?? { priors: {} };
      // Every account searched and its prior states read before any account is changed, so the
      // first heartbeat (which the SDK sends at once; later ones at most every 48 s) holds them all.
      const found = await Promise.all(
        targets.map(async (target) => {
          try {
            return await discover({ ...rest, target }, progressOf(target.accountId), false);
          } catch (error) {
            return { target, error };
          }
        }),
      );
      const progress: BatchProgress = { accounts: { ...earlier } };
      for (const f of found) {
        if (!('error' in f)) {
          const { accountId } = f.target;
          progress.accounts[accountId] = { priors: f.priors, results: progressOf(accountId).results };
        }
      }
      context.heartbeat(progress satisfies BatchProgress);
      const accounts = await Promise.all(
        found.map(async (f): Promise<BatchAccountOutcome> => {
          const { accountId } = f.target;
          if ('error' in f) {
            const { error } = f;
            return {
              accountId,
              searched: false,
              error: error instanceof Error ? error.message : String(error),
              retryable: !(error instanceof ApplicationFailure && error.nonRetryable),
            };
          }
          const contained = await containDiscovered(f, rest, progressOf(accountId));
          progress.accounts[accountId] = progressAfter(f.priors, progressOf(accountId), contained);
          return { accountId, searched: true, users: contained.users };
        }),
      );
      context.heartbeat(progress satisfies BatchProgress);
      return { accounts };
    },

    /**
     * The rest of the leaver's prior state (login profile, MFA devices, SSH keys, signing
     * certificates), read after containment, which does not change it. A user gone since is left out.
     */
    async readLeaverCredentials({
      target,
      userNames,
      usersInFlight,
    }: ReadLeaverCredentialsInput): Promise<Record<string, LeaverCredentials>> {
      const iam: IamGateway = new SdkIamGateway(deps.aws.member(target).iam);
      const read: Record<string, LeaverCredentials> = {};
      await mapWithConcurrency(userNames, usersInFlight, async (userName) => {
        try {
          read[userName] = await readCredentials(iam, userName);
        } catch (error) {
          const failure = toActivityFailure(
            error,
            `reading the credentials of user ${userName} in account ${target.accountId}`,
          );
          if (failure.type !== ErrorType.NoSuchEntity) throw failure;
        }
      });
      return read;
    },
  };
}
