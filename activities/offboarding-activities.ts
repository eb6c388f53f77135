import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { parseKeyDescriptionTag } from '../domain/key-description-tag';
import {
  describeSteps,
  type ContainmentResult,
  type ContainmentSteps,
  type CredentialState,
  type PriorUserState,
  type PurgeStep,
  type PurgeStepRecord,
  type RestoreRecord,
} from '../domain/offboarding-report';
import type { MemberRoleRef } from './aws/credentials';
import { toActivityFailure } from './aws/errors';
import type { IamGateway } from './aws/iam-gateway';
import { mapWithConcurrency, SdkIamGateway } from './aws/iam-gateway';
import type { ActivityDeps } from './deps';
import { matchLeaver, type UserMatch } from './leaver-match';
import { containmentPolicyDocument, isContainmentPolicy, sessionsIssuedBefore } from './offboarding-policy';

export type { UserMatch } from './leaver-match';

export interface FindMatchingUsersInput {
  target: MemberRoleRef;
  match: UserMatch;
}

export interface MatchedUser {
  userName: string;
  /** `userName`, or `tag:<key>`. */
  matchedBy: string;
}

export interface ContainUserInput {
  target: MemberRoleRef;
  userName: string;
  policyName: string;
}

export interface RestoreUserInput extends ContainUserInput {
  prior: PriorUserState;
}

export interface PurgeStepInput extends ContainUserInput {
  step: PurgeStep;
}

/** Failure details of containUser once the prior state was read, so restore can still use it. */
export interface ContainmentFailureDetails {
  prior: PriorUserState;
  /** What each step achieved; absent while the prior state is only heartbeated. */
  steps?: ContainmentSteps;
}

/** Tags are read this many users at a time per account. */
const TAG_LOOKUP_CONCURRENCY = 4;

const nowIso = (): string => new Date().toISOString();

function failureType(error: unknown, context: string): ApplicationFailure {
  return toActivityFailure(error, context);
}

function isNoSuchEntity(error: unknown): boolean {
  return failureType(error, '').type === ErrorType.NoSuchEntity;
}

/** Runs an optional read; an API the endpoint does not implement reads as empty. */
export async function optional<T>(read: Promise<T>, empty: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (failureType(error, '').type === ErrorType.NotImplemented) return empty;
    throw error;
  }
}

export const credentials = (
  items: Array<{ id: string; status: CredentialState['status'] }>,
): CredentialState[] => items.map(({ id, status }) => ({ id, status }));

/**
 * Reads a user's state before containment. When the containment policy is already on the user,
 * an earlier attempt had got through (containment deactivates the keys, then puts the policy),
 * so the key statuses are no longer the originals: see PriorUserState.source.
 */
async function readPriorState(
  iam: IamGateway,
  userName: string,
  policyName: string,
): Promise<PriorUserState> {
  const [keys, loginProfile, attached, inline, groups, mfa, ssh, certs] = await Promise.all([
    iam.listAccessKeys(userName),
    optional(iam.getLoginProfile(userName), undefined),
    iam.listAttachedUserPolicies(userName),
    iam.listUserPolicies(userName),
    iam.listGroupsForUser(userName),
    optional(iam.listMfaDevices(userName), []),
    optional(iam.listSshPublicKeys(userName), []),
    optional(iam.listSigningCertificates(userName), []),
  ]);
  let source: PriorUserState['source'] = 'observed';
  let replacedPolicyDocument: string | undefined;
  if (inline.includes(policyName)) {
    const document = await iam.getUserPolicy(userName, policyName);
    if (isContainmentPolicy(document)) source = 'inferred';
    else if (document !== undefined) replacedPolicyDocument = document;
  }
  const accessKeys = keys.map((k) => ({ id: k.accessKeyId, status: k.status }));
  const prior: PriorUserState = {
    capturedAt: nowIso(),
    source,
    accessKeys,
    uncertainKeyIds:
      source === 'inferred' ? accessKeys.filter((k) => k.status === 'Inactive').map((k) => k.id) : [],
    loginProfile: loginProfile !== undefined,
    attachedPolicyArns: attached.map((p) => p.policyArn),
    inlinePolicyNames: inline.filter((name) => name !== policyName),
    groups,
    mfaDevices: mfa.map((d) => d.serialNumber),
    sshPublicKeys: credentials(ssh),
    signingCertificates: credentials(certs),
  };
  if (replacedPolicyDocument !== undefined) prior.replacedPolicyDocument = replacedPolicyDocument;
  return prior;
}

function priorFromHeartbeat(details: unknown): PriorUserState | undefined {
  if (typeof details !== 'object' || details === null || !('prior' in details)) return undefined;
  return (details as ContainmentFailureDetails).prior;
}

type StepAction = (iam: IamGateway, input: PurgeStepInput) => Promise<string[]>;

/** Each step lists what is there and removes it, one item at a time, in a stable order. */
const PURGE_ACTIONS: Record<PurgeStep, StepAction> = {
  'login-profile': async (iam, { userName }) => {
    if ((await iam.getLoginProfile(userName)) === undefined) return [];
    return (await iam.deleteLoginProfile(userName)) ? ['login-profile'] : [];
  },
  'access-keys': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const key of await iam.listAccessKeys(userName)) {
      if (await iam.deleteAccessKey(userName, key.accessKeyId)) removed.push(key.accessKeyId);
    }
    // The user holds no key now: every description keywarden wrote for one is stale (a retried
    // step finds the tags of keys an earlier attempt deleted too).
    for (const [tagKey, value] of Object.entries(await iam.listUserTags(userName))) {
      if (parseKeyDescriptionTag(value) !== undefined) await iam.untagUser(userName, tagKey);
    }
    return removed;
  },
  'signing-certificates': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const cert of await iam.listSigningCertificates(userName)) {
      if (await iam.deleteSigningCertificate(userName, cert.id)) removed.push(cert.id);
    }
    return removed;
  },
  'ssh-public-keys': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const key of await iam.listSshPublicKeys(userName)) {
      if (await iam.deleteSshPublicKey(userName, key.id)) removed.push(key.id);
    }
    return removed;
  },
  'service-specific-credentials': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const cred of await iam.listServiceSpecificCredentials(userName)) {
      if (await iam.deleteServiceSpecificCredential(userName, cred.id)) removed.push(cred.id);
    }
    return removed;
  },
  'mfa-devices': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const device of await iam.listMfaDevices(userName)) {
      await iam.deactivateMfaDevice(userName, device.serialNumber);
      // A hardware device cannot be deleted, only deactivated (which unassigns it from the user).
      if (device.virtual) await iam.deleteVirtualMfaDevice(device.serialNumber);
      removed.push(device.serialNumber);
    }
    return removed;
  },
  'inline-policies': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const name of await iam.listUserPolicies(userName)) {
      if (await iam.deleteUserPolicy(userName, name)) removed.push(name);
    }
    return removed;
  },
  'attached-policies': async (iam, { userName }) => {
    const removed: string[] = [];
    for (const policy of await iam.listAttachedUserPolicies(userName)) {
      if (await iam.detachUserPolicy(userName, policy.policyArn)) removed.push(policy.policyArn);
    }
    return removed;
  },
  groups: async (iam, { userName }) => {
    const removed: string[] = [];
    for (const group of await iam.listGroupsForUser(userName)) {
      if (await iam.removeUserFromGroup(userName, group)) removed.push(group);
    }
    return removed;
  },
  user: async (iam, { userName }) => ((await iam.deleteUser(userName)) ? [userName] : []),
};

export function createOffboardingActivities(deps: ActivityDeps) {
  const gatewayFor = (target: MemberRoleRef): IamGateway => new SdkIamGateway(deps.aws.member(target).iam);
  const where = (target: MemberRoleRef, userName: string): string =>
    `user ${userName} in account ${target.accountId}`;

  return {
    /** The IAM users of one account that match by name (case-insensitive) or by a tag's value (case-insensitive). */
    async findMatchingUsers({ target, match }: FindMatchingUsersInput): Promise<MatchedUser[]> {
      try {
        const iam = gatewayFor(target);
        const users = await iam.listUsers();
        const found = await mapWithConcurrency(users, TAG_LOOKUP_CONCURRENCY, async (user) => {
          const matchedBy = await matchLeaver(match, user.userName, async () => {
            try {
              return await iam.listUserTags(user.userName);
            } catch (error) {
              if (isNoSuchEntity(error)) return undefined; // deleted while we looked
              throw error;
            }
          });
          return matchedBy === undefined ? undefined : { userName: user.userName, matchedBy };
        });
        return found.filter((u): u is MatchedUser => u !== undefined);
      } catch (error) {
        throw toActivityFailure(error, `searching the IAM users of account ${target.accountId}`);
      }
    },

    /**
     * Records the user's prior state, then contains the user in two independent steps: first
     * every Active access key is deactivated (each key on its own), then the deny policy is put
     * (deny-all, and deny every session issued before now). A failure of one step never stops
     * the other: a user whose inline-policy quota is full still loses every key, a key that
     * cannot be deactivated still gets the deny policy.
     *
     * When either step did not hold, the activity fails after running both, with the prior state
     * and what each step achieved in the failure details (ContainmentFailureDetails), so the
     * retry policy retries it and the workflow can report and restore a half-contained user. The
     * failure is non-retryable only when every error was (a full quota, an SCP's AccessDenied).
     *
     * Idempotent. The prior state is heartbeated before the first change, so a retry reuses the
     * first record instead of reading the contained state. If that record was lost too, the
     * containment policy being present tells this attempt that containment had begun, and the
     * prior state is derived conservatively (PriorUserState.source = 'inferred'). Re-running it
     * on a contained user changes nothing and reports `alreadyContained`.
     */
    async containUser({ target, userName, policyName }: ContainUserInput): Promise<ContainmentResult> {
      const context = Context.current();
      const iam = gatewayFor(target);
      let prior = priorFromHeartbeat(context.info.heartbeatDetails);
      try {
        if (prior === undefined) {
          prior = await readPriorState(iam, userName, policyName);
          context.heartbeat({ prior } satisfies ContainmentFailureDetails);
        }
      } catch (error) {
        throw toActivityFailure(error, `reading the state of ${where(target, userName)}`);
      }
      const failures: ApplicationFailure[] = [];
      const attempt = async <T>(what: string, step: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await step();
        } catch (error) {
          failures.push(toActivityFailure(error, `${what} of ${where(target, userName)}`));
          return undefined;
        }
      };

      // 1. Keys first: a deactivated key is useless whatever happens to the policy.
      const active = await attempt('listing the access keys', async () =>
        (await iam.listAccessKeys(userName)).filter((k) => k.status === 'Active'),
      );
      const deactivated: string[] = [];
      await Promise.all(
        (active ?? []).map((key) =>
          attempt(`deactivating access key ${key.accessKeyId}`, async () => {
            await iam.updateAccessKeyStatus(userName, key.accessKeyId, 'Inactive');
            deactivated.push(key.accessKeyId);
          }),
        ),
      );
      const keysDeactivated = active !== undefined && deactivated.length === active.length;

      // 2. Then the deny policy, whatever happened to the keys.
      const containedAt = nowIso();
      const policy = await attempt('putting the deny policy', async () => {
        const current = await iam.getUserPolicy(userName, policyName);
        const since = sessionsIssuedBefore(current);
        if (since !== undefined) return { wasThere: true, since };
        await iam.putUserPolicy(userName, policyName, containmentPolicyDocument(containedAt));
        return { wasThere: false, since: containedAt };
      });

      deactivated.sort();
      if (failures.length === 0 && policy !== undefined) {
        return {
          prior,
          alreadyContained: policy.wasThere && deactivated.length === 0,
          deactivatedKeyIds: deactivated,
          containedAt: nowIso(),
          sessionsIssuedBefore: policy.since,
        };
      }
      const steps: ContainmentSteps = {
        keysDeactivated,
        denyPolicyAttached: policy !== undefined,
        failures: failures.map((f) => f.message),
      };
      throw ApplicationFailure.create({
        message: `containment incomplete for ${where(target, userName)}: ${describeSteps(steps)}`,
        type: failures[0]?.type ?? undefined,
        nonRetryable: failures.every((f) => f.nonRetryable),
        // Carry the prior state, so the workflow can still restore a half-contained user.
        details: [{ prior, steps } satisfies ContainmentFailureDetails],
      });
    },

    /**
     * Puts the recorded prior state back: reactivates exactly the keys that were Active, keeps
     * the Inactive ones inactive, removes the containment policy (or puts back the policy it
     * replaced). Keys created after containment are left as they are and reported. Idempotent.
     */
    async restoreUser({ target, userName, prior, policyName }: RestoreUserInput): Promise<RestoreRecord> {
      try {
        const iam = gatewayFor(target);
        const current = new Map((await iam.listAccessKeys(userName)).map((k) => [k.accessKeyId, k.status]));
        const record: RestoreRecord = {
          reactivatedKeyIds: [],
          leftInactiveKeyIds: [],
          missingKeyIds: [],
          unexpectedKeyIds: [...current.keys()].filter((id) => !prior.accessKeys.some((k) => k.id === id)),
          policyRemoved: false,
          policyPutBack: false,
          at: '',
        };
        for (const key of prior.accessKeys) {
          const status = current.get(key.id);
          if (status === undefined) {
            record.missingKeyIds.push(key.id);
            continue;
          }
          if (status !== key.status) await iam.updateAccessKeyStatus(userName, key.id, key.status);
          if (key.status === 'Active') record.reactivatedKeyIds.push(key.id);
          else record.leftInactiveKeyIds.push(key.id);
        }
        if (prior.replacedPolicyDocument !== undefined) {
          await iam.putUserPolicy(userName, policyName, prior.replacedPolicyDocument);
          record.policyPutBack = true;
        } else {
          record.policyRemoved = await iam.deleteUserPolicy(userName, policyName);
        }
        record.at = nowIso();
        return record;
      } catch (error) {
        throw toActivityFailure(error, `restoring ${where(target, userName)}`);
      }
    },

    /**
     * One step of the purge (the workflow runs them in AWS's documented order). An API the
     * endpoint does not implement is reported as `skipped` with the reason, not retried; a user
     * that no longer exists gives `nothing-to-do`.
     */
    async purgeStep(input: PurgeStepInput): Promise<PurgeStepRecord> {
      const { target, userName, step } = input;
      try {
        const items = await PURGE_ACTIONS[step](gatewayFor(target), input);
        return { step, items, status: items.length > 0 ? 'done' : 'nothing-to-do', at: nowIso() };
      } catch (error) {
        const failure = toActivityFailure(error, `purge step ${step} for ${where(target, userName)}`);
        if (failure.type === ErrorType.NotImplemented) {
          return { step, items: [], status: 'skipped', reason: failure.message, at: nowIso() };
        }
        if (failure.type === ErrorType.NoSuchEntity && step !== 'user') {
          return {
            step,
            items: [],
            status: 'nothing-to-do',
            reason: 'the user no longer exists',
            at: nowIso(),
          };
        }
        throw failure;
      }
    },
  };
}
