import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import type { KeyStatus } from '../domain/inventory';
import type { MemberRoleRef } from './aws/credentials';
import { toActivityFailure } from './aws/errors';
import type { IamGateway } from './aws/iam-gateway';
import { SdkIamGateway } from './aws/iam-gateway';
import type { SecretsGateway } from './aws/secrets-gateway';
import { CURRENT_STAGE, PENDING_STAGE, PREVIOUS_STAGE, SdkSecretsGateway } from './aws/secrets-gateway';
import { verifyKeyWorks } from './aws/sts-gateway';
import type { ActivityDeps } from './deps';
import { isContainmentPolicy } from './offboarding-policy';
import { formatKeySecret, parseKeySecret, secretVersionToken, storedAccessKeyId } from './secret-value';

/** IAM allows at most this many access keys per user. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

/** Failure types of the key activities, besides the AWS ones that toActivityFailure assigns. */
export const KeyErrorType = {
  /** The user already holds the maximum number of keys: nothing was created. */
  LimitExceeded: ErrorType.LimitExceeded,
  /** The secret is missing, not in keywarden's format, or holds another key than expected. */
  SecretMismatch: 'SecretMismatch',
  /** The key authenticates, but as someone other than the user it was made for. */
  WrongIdentity: 'WrongIdentity',
} as const;

/**
 * Codes that mean "this key is not known (yet)": right after CreateAccessKey, IAM may refuse the
 * key for a few seconds while it propagates, so verification retries them.
 */
export const NEW_KEY_PROPAGATION_ERRORS = ['InvalidClientTokenId', 'SignatureDoesNotMatch'] as const;

export interface CreateAndStageKeyInput {
  target: MemberRoleRef;
  userName: string;
  /** The user's key IDs as the saga saw them right before this step (its preflight). */
  knownAccessKeyIds: string[];
  secretName: string;
}

/** Identifiers only: the secret access key never leaves the activity. */
export interface CreateAndStageKeyResult {
  accessKeyId: string;
  secretArn: string;
  /** The secret version that holds the new key, labelled AWSPENDING until promoted. */
  versionId: string;
  /**
   * True when this rotation created the secret. AWS makes the first version of a new secret
   * AWSCURRENT as well; no consumer can have read it before, and compensation deletes the secret.
   */
  secretCreated: boolean;
}

/** What createAndStageKey records in its heartbeat, so a retry knows exactly which key it made. */
export interface CreateKeyProgress {
  createdAccessKeyId: string;
}

export interface StagedKeyInput {
  target: MemberRoleRef;
  userName: string;
  accessKeyId: string;
  secretName: string;
  versionId: string;
}

export interface VerifyAccessKeyResult {
  arn: string;
  account: string;
}

export interface PromoteStagedKeyResult {
  /** The version that was AWSCURRENT before (now AWSPREVIOUS), if any. */
  previousVersionId?: string;
}

export interface InspectUserKeysInput {
  target: MemberRoleRef;
  userName: string;
}

/** A user's keys as IAM shows them now, each with its last use. Never holds a secret. */
export interface UserKeysNow {
  userExists: boolean;
  keys: Array<{ accessKeyId: string; status: KeyStatus; createDate: string; lastUsedDate?: string }>;
  /** The name of a keywarden deny-all inline policy on the user (an offboarding or revocation contains them). */
  containmentPolicy?: string;
}

export interface GetKeyLastUsedInput {
  target: MemberRoleRef;
  accessKeyId: string;
}

export interface KeyLastUsed {
  /** ISO-8601; absent when the key was never used. */
  lastUsedDate?: string;
  service?: string;
  region?: string;
}

export interface SetAccessKeyStatusInput {
  target: MemberRoleRef;
  userName: string;
  accessKeyId: string;
  status: KeyStatus;
}

export interface DeleteAccessKeyInput {
  target: MemberRoleRef;
  userName: string;
  accessKeyId: string;
}

export interface DiscardNewKeyInput extends StagedKeyInput {
  secretCreated: boolean;
}

export interface DiscardNewKeyResult {
  keyDeleted: boolean;
  secret: 'pending-removed' | 'deleted' | 'unchanged';
}

function userLabel(target: MemberRoleRef, userName: string): string {
  return `user ${userName} in account ${target.accountId}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `arn` is the IAM user `userName` (under any path) of `accountId`, in any partition. */
export function isUserArn(arn: string, accountId: string, userName: string): boolean {
  const pattern = new RegExp(
    `^arn:[a-z-]+:iam::${escapeRegExp(accountId)}:user/(?:[^/]+/)*${escapeRegExp(userName)}$`,
  );
  return pattern.test(arn);
}

function stageHolder(versions: ReadonlyArray<{ versionId: string; stages: string[] }>, stage: string) {
  return versions.find((v) => v.stages.includes(stage))?.versionId;
}

export function createKeyActivities(deps: ActivityDeps) {
  const gateways = (target: MemberRoleRef): { iam: IamGateway; secrets: SecretsGateway } => {
    const clients = deps.aws.member(target);
    return { iam: new SdkIamGateway(clients.iam), secrets: new SdkSecretsGateway(clients.secrets) };
  };

  return {
    /**
     * Creates a new access key for the user and stores it as a new version of the user's secret
     * (`{"AccessKeyId","SecretAccessKey"}`), labelled AWSPENDING: no consumer reads it before it is
     * verified and promoted. Returns identifiers only: the secret access key never leaves here.
     *
     * Idempotent across crashes and retries, and it only ever deletes a key it made itself. The
     * new key's ID is heartbeated the moment IAM returns it. A retry returns the earlier result
     * when the recorded key (or an unknown key created since this activity was first scheduled
     * and never used) is already staged. A recorded key that was never staged is deleted; an
     * unrecorded one is left alone, since it may be someone else's (the user may then be full:
     * LimitExceeded, and the saga reports it).
     */
    async createAndStageKey(input: CreateAndStageKeyInput): Promise<CreateAndStageKeyResult> {
      const { target, userName, secretName } = input;
      const context = Context.current();
      const user = userLabel(target, userName);
      const token = (accessKeyId: string) =>
        secretVersionToken({ accountId: target.accountId, secretName, accessKeyId });
      let step = `listing the access keys of ${user}`;
      try {
        const { iam, secrets } = gateways(target);
        const recorded = (context.info.heartbeatDetails as CreateKeyProgress | undefined)?.createdAccessKeyId;
        const firstScheduled = context.info.scheduledTimestampMs;
        const known = new Set(input.knownAccessKeyIds);
        const keys = await iam.listAccessKeys(userName);
        const held = new Set(keys.map((k) => k.accessKeyId));

        for (const key of keys) {
          if (known.has(key.accessKeyId)) continue;
          // Ours for sure: the key an earlier attempt heartbeated. Possibly ours: one created since
          // this activity was first scheduled and never used. Either is taken over if staged.
          const mine =
            key.accessKeyId === recorded ||
            (Date.parse(key.createDate) >= firstScheduled &&
              (await iam.getAccessKeyLastUsed(key.accessKeyId)).lastUsedDate === undefined);
          if (!mine) continue; // someone else's key (made out of band): never ours to delete
          step = `looking for the key ${key.accessKeyId} of ${user} in secret ${secretName}`;
          const versionId = token(key.accessKeyId);
          const value = await secrets.getVersionValue(secretName, versionId);
          if (value !== undefined && storedAccessKeyId(value) === key.accessKeyId) {
            const described = await secrets.describe(secretName);
            context.log.info('An earlier attempt already created and staged the key', {
              accountId: target.accountId,
              userName,
              accessKeyId: key.accessKeyId,
            });
            return {
              accessKeyId: key.accessKeyId,
              secretArn: described?.arn ?? '',
              versionId,
              secretCreated: (described?.versions.length ?? 0) <= 1,
            };
          }
          // Deleted only when recorded: a key merely made in the same minutes may be its owner's.
          if (key.accessKeyId !== recorded) continue;
          step = `deleting the key ${key.accessKeyId} an earlier attempt made for ${user} but never stored`;
          await iam.deleteAccessKey(userName, key.accessKeyId);
          held.delete(key.accessKeyId);
          context.log.info('Deleted an access key an earlier attempt created but never stored', {
            accountId: target.accountId,
            userName,
            accessKeyId: key.accessKeyId,
          });
        }

        if (held.size >= MAX_ACCESS_KEYS_PER_USER) {
          throw ApplicationFailure.nonRetryable(
            `${user} already holds ${held.size} access keys (${[...held].join(', ')}); IAM allows at most ` +
              `${MAX_ACCESS_KEYS_PER_USER}, so no new key was created. Delete one of them first.`,
            KeyErrorType.LimitExceeded,
          );
        }

        step = `creating an access key for ${user}`;
        const created = await iam.createAccessKey(userName);
        context.heartbeat({ createdAccessKeyId: created.accessKeyId } satisfies CreateKeyProgress);
        deps.faults?.['after-create-access-key']?.({
          accountId: target.accountId,
          userName,
          attempt: context.info.attempt,
        });

        step = `staging the new key ${created.accessKeyId} of ${user} in secret ${secretName}`;
        let stored;
        try {
          stored = await secrets.putPendingVersion(
            secretName,
            formatKeySecret(created),
            token(created.accessKeyId),
          );
        } catch (error) {
          // Best effort: do not leave a key nobody can use. If this fails too (or the worker
          // dies here), the next attempt finds the recorded key and deletes it.
          await iam.deleteAccessKey(userName, created.accessKeyId).catch(() => false);
          throw error;
        }
        return {
          accessKeyId: created.accessKeyId,
          secretArn: stored.arn,
          versionId: stored.versionId,
          secretCreated: stored.created,
        };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },

    /**
     * Proves the staged key works: reads the staged version here (its value never leaves this
     * function), checks it holds `accessKeyId`, and calls sts:GetCallerIdentity signed with it.
     * InvalidClientTokenId / SignatureDoesNotMatch are retryable (IAM propagation); a version that
     * holds another key, or a key that is someone else's, is a non-retryable failure.
     */
    async verifyStagedKey(input: StagedKeyInput): Promise<VerifyAccessKeyResult> {
      const { target, userName, accessKeyId, secretName, versionId } = input;
      const user = userLabel(target, userName);
      const where = `version ${versionId} of secret ${secretName} in account ${target.accountId}`;
      let value;
      try {
        value = await gateways(target).secrets.getVersionValue(secretName, versionId);
      } catch (error) {
        throw toActivityFailure(error, `reading ${where}`);
      }
      if (value === undefined) {
        throw ApplicationFailure.nonRetryable(
          `Cannot verify key ${accessKeyId} of ${user}: ${where} does not exist`,
          KeyErrorType.SecretMismatch,
        );
      }
      const key = parseKeySecret(value);
      if (key === undefined) {
        throw ApplicationFailure.nonRetryable(
          `Cannot verify key ${accessKeyId} of ${user}: ${where} is not {"AccessKeyId","SecretAccessKey"} JSON`,
          KeyErrorType.SecretMismatch,
        );
      }
      if (key.accessKeyId !== accessKeyId) {
        throw ApplicationFailure.nonRetryable(
          `Cannot verify key ${accessKeyId} of ${user}: ${where} holds key ${key.accessKeyId} instead`,
          KeyErrorType.SecretMismatch,
        );
      }
      let identity: VerifyAccessKeyResult;
      try {
        identity = await verifyKeyWorks(key, deps.aws.env);
      } catch (error) {
        throw toActivityFailure(error, `verifying key ${accessKeyId} of ${user} with sts:GetCallerIdentity`, {
          retryableNames: NEW_KEY_PROPAGATION_ERRORS,
        });
      }
      if (identity.account !== target.accountId || !isUserArn(identity.arn, target.accountId, userName)) {
        throw ApplicationFailure.nonRetryable(
          `Key ${accessKeyId} authenticates as ${identity.arn || '(no ARN)'} in account ` +
            `${identity.account || '(none)'}, not as ${user}`,
          KeyErrorType.WrongIdentity,
        );
      }
      return { arn: identity.arn, account: identity.account };
    },

    /**
     * Promotes the verified version to AWSCURRENT (the old current becomes AWSPREVIOUS) and takes
     * AWSPENDING off it. Idempotent: a retry finds it done.
     */
    async promoteStagedKey(input: StagedKeyInput): Promise<PromoteStagedKeyResult> {
      const { target, secretName, versionId } = input;
      let step = `reading the versions of secret ${secretName} in account ${target.accountId}`;
      try {
        const { secrets } = gateways(target);
        const before = await secrets.describe(secretName);
        const current = stageHolder(before?.versions ?? [], CURRENT_STAGE);
        step = `promoting version ${versionId} of secret ${secretName} in account ${target.accountId} to AWSCURRENT`;
        await secrets.moveStage(secretName, CURRENT_STAGE, versionId);
        step = `removing AWSPENDING from version ${versionId} of secret ${secretName}`;
        await secrets.removeStage(secretName, PENDING_STAGE, versionId);
        if (current !== undefined && current !== versionId) return { previousVersionId: current };
        const after = await secrets.describe(secretName);
        const previous = stageHolder(after?.versions ?? [], PREVIOUS_STAGE);
        return previous === undefined ? {} : { previousVersionId: previous };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },

    /**
     * The user's keys as IAM shows them now, with each key's last use, and whether a keywarden
     * deny-all policy contains the user. The saga reads this right before it creates, deactivates
     * or deletes anything.
     */
    async inspectUserKeys(input: InspectUserKeysInput): Promise<UserKeysNow> {
      const { target, userName } = input;
      try {
        const { iam } = gateways(target);
        if ((await iam.getUser(userName)) === undefined) return { userExists: false, keys: [] };
        const listed = await iam.listAccessKeys(userName);
        const keys: UserKeysNow['keys'] = [];
        for (const key of listed) {
          const used = await iam.getAccessKeyLastUsed(key.accessKeyId);
          keys.push({
            ...key,
            ...(used.lastUsedDate === undefined ? {} : { lastUsedDate: used.lastUsedDate }),
          });
        }
        const result: UserKeysNow = { userExists: true, keys };
        // The document decides, not the name: an offboarding may name its policy as it likes.
        for (const policyName of await iam.listUserPolicies(userName)) {
          if (isContainmentPolicy(await iam.getUserPolicy(userName, policyName))) {
            result.containmentPolicy = policyName;
            break;
          }
        }
        return result;
      } catch (error) {
        throw toActivityFailure(error, `reading the access keys of ${userLabel(target, userName)}`);
      }
    },

    /** When and where the key was last used, as IAM reports it (nothing when never used). */
    async getKeyLastUsed(input: GetKeyLastUsedInput): Promise<KeyLastUsed> {
      const { target, accessKeyId } = input;
      try {
        const used = await gateways(target).iam.getAccessKeyLastUsed(accessKeyId);
        const result: KeyLastUsed = {};
        if (used.lastUsedDate !== undefined) result.lastUsedDate = used.lastUsedDate;
        if (used.lastUsedService !== undefined) result.service = used.lastUsedService;
        if (used.lastUsedRegion !== undefined) result.region = used.lastUsedRegion;
        return result;
      } catch (error) {
        throw toActivityFailure(
          error,
          `reading the last use of key ${accessKeyId} in account ${target.accountId}`,
        );
      }
    },

    /** Activates or deactivates a key. Idempotent: setting the status it already has is a no-op. */
    async setAccessKeyStatus(input: SetAccessKeyStatusInput): Promise<void> {
      const { target, userName, accessKeyId, status } = input;
      try {
        await gateways(target).iam.updateAccessKeyStatus(userName, accessKeyId, status);
      } catch (error) {
        throw toActivityFailure(
          error,
          `setting key ${accessKeyId} of ${userLabel(target, userName)} to ${status}`,
        );
      }
    },

    /**
     * Deletes a key. A key that is already gone is not an error (deleted: false). The workflow
     * calls this only after an approval; the activity itself does not check one.
     */
    async deleteAccessKey(input: DeleteAccessKeyInput): Promise<{ deleted: boolean }> {
      const { target, userName, accessKeyId } = input;
      try {
        return { deleted: await gateways(target).iam.deleteAccessKey(userName, accessKeyId) };
      } catch (error) {
        throw toActivityFailure(error, `deleting key ${accessKeyId} of ${userLabel(target, userName)}`);
      }
    },

    /**
     * The saga's compensation before its point of no return (verification): deletes exactly the
     * key this rotation made, and takes the AWSPENDING label off its version, or deletes the secret
     * if this rotation created it and nothing else was stored since. AWSCURRENT is never touched,
     * so consumers keep reading the old key. Idempotent.
     */
    async discardNewKey(input: DiscardNewKeyInput): Promise<DiscardNewKeyResult> {
      const { target, userName, accessKeyId, secretName, versionId } = input;
      const user = userLabel(target, userName);
      let step = `deleting the new key ${accessKeyId} of ${user}`;
      try {
        const { iam, secrets } = gateways(target);
        const keyDeleted = await iam.deleteAccessKey(userName, accessKeyId);

        step = `reading the versions of secret ${secretName} in account ${target.accountId}`;
        const described = await secrets.describe(secretName);
        if (described === undefined)
          return { keyDeleted, secret: input.secretCreated ? 'deleted' : 'unchanged' };
        const onlyOurs = described.versions.every((v) => v.versionId === versionId);
        if (input.secretCreated && onlyOurs) {
          step = `deleting secret ${secretName} in account ${target.accountId}`;
          await secrets.deleteSecret(secretName);
          return { keyDeleted, secret: 'deleted' };
        }
        const ours = described.versions.find((v) => v.versionId === versionId);
        if (!ours?.stages.includes(PENDING_STAGE)) return { keyDeleted, secret: 'unchanged' };
        step = `removing AWSPENDING from version ${versionId} of secret ${secretName}`;
        await secrets.removeStage(secretName, PENDING_STAGE, versionId);
        return { keyDeleted, secret: 'pending-removed' };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },
  };
}
