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
interface ContainmentProgress {
  priors: Record<string, PriorUserState>;
  results?: Record<string, ContainmentResult>;
}

const nowIso = (): string => new Date().toISOString();

function progressFromHeartbeat(details: unknown): ContainmentProgress {
  if (typeof details !== 'object' || details === null || !('priors' in details)) return { priors: {} };
  return details as ContainmentProgress;
}

/** A batch's heartbeat: each account's progress, as containLeaverInAccount heartbeats its own. */
interface BatchProgress {
  accounts: Record<string, ContainmentProgress>;
}

function batchProgressFromHeartbeat(details: unknown): BatchProgress {
  if (typeof details !== 'object' || details === null || !('accounts' in details)) return { accounts: {} };
  return details as BatchProgress;
}

/**
 * The prior state from the account's authorization details and the user's keys. When the
 * containment policy is already there, an earlier attempt had begun (see PriorUserState.source).
 * Login profile, MFA devices, SSH keys and signing certificates are left for readLeaverCredentials
 * (credentialsUnread): containment does not change them, so they are read once every account is
 * contained, off the critical path.
 */
function priorFrom(
  user: UserAuthorizationDetails,
  keys: Array<{ accessKeyId: string; status: 'Active' | 'Inactive' }>,
  policyName: string,
): PriorUserState {
  const current = user.inlinePolicies[policyName];
  const inferred = current !== undefined && isContainmentPolicy(current);
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
  if (current !== undefined && !inferred) prior.replacedPolicyDocument = current;
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
  /**
   * Finds and contains the leaver's users in one account (see containLeaverInAccount), starting
   * from `progress` (an earlier attempt's heartbeat) and recording its own through `record`.
   */
  async function containInAccount(
    { target, match, policyName, usersInFlight }: ContainLeaverInAccountInput,
    progress: ContainmentProgress,
    record: (progress: ContainmentProgress) => void,
  ): Promise<AccountContainment> {
    const iam: IamGateway = new SdkIamGateway(deps.aws.member(target).iam);
    const where = (userName: string) => `user ${userName} in account ${target.accountId}`;

    let matched: Array<{ user: UserAuthorizationDetails; matchedBy: string }>;
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

    // Read each user's keys, and record the prior states before anything changes.
    const keysRead = await mapWithConcurrency(matched, usersInFlight, async ({ user }) => {
      try {
        return { keys: await iam.listAccessKeys(user.userName) };
      } catch (error) {
        return { error: toActivityFailure(error, `listing the access keys of ${where(user.userName)}`) };
      }
    });
    const priors: Record<string, PriorUserState> = { ...progress.priors };
    matched.forEach(({ user }, i) => {
      const read = keysRead[i];
      if (read?.keys !== undefined) priors[user.userName] ??= priorFrom(user, read.keys, policyName);
    });
    record({ priors, results: progress.results });

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
    const results: Record<string, ContainmentResult> = { ...progress.results };
    for (const o of outcomes) if (o.outcome === 'contained') results[o.userName] = o.result;
    record({ priors, results });
    return { users: outcomes };
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
      return containInAccount(input, progressFromHeartbeat(context.info.heartbeatDetails), (progress) =>
        context.heartbeat(progress satisfies ContainmentProgress),
      );
    },

    /**
     * containLeaverInAccount for several accounts in one activity, all at once: the same calls per
     * account, without a workflow task and an activity dispatch for each. An account that could
     * not be searched is reported (`searched: false`), not thrown, so the others' results stand;
     * the workflow gives it to containLeaverInAccount and its own retries unless the failure is
     * final (then the account waits for the workflow's own retry rounds). The heartbeat holds each
     * account's progress, so a retried batch keeps the first record of every account; the SDK
     * sends heartbeats at most every 0.8 heartbeat timeouts, so after a worker crash an account
     * whose record had not been sent yet is read again, as an inferred prior (PriorUserState.source).
     */
    async containLeaverInAccounts({
      targets,
      ...rest
    }: ContainLeaverInAccountsInput): Promise<AccountsContainment> {
      const context = Context.current();
      const batch = batchProgressFromHeartbeat(context.info.heartbeatDetails);
      const progress: BatchProgress = { accounts: { ...batch.accounts } };
      const accounts = await Promise.all(
        targets.map(async (target): Promise<BatchAccountOutcome> => {
          const { accountId } = target;
          try {
            const { users } = await containInAccount(
              { ...rest, target },
              progress.accounts[accountId] ?? { priors: {} },
              (account) => {
                progress.accounts[accountId] = account;
                context.heartbeat(progress satisfies BatchProgress);
              },
            );
            return { accountId, searched: true, users };
          } catch (error) {
            return {
              accountId,
              searched: false,
              error: error instanceof Error ? error.message : String(error),
              retryable: !(error instanceof ApplicationFailure && error.nonRetryable),
            };
          }
        }),
      );
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
