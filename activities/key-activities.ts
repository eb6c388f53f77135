import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import type { KeyStatus } from '../domain/inventory';
import type { MemberRoleRef } from './aws/credentials';
import { toActivityFailure } from './aws/errors';
import type { AccessKeySummary, IamGateway } from './aws/iam-gateway';
import { SdkIamGateway } from './aws/iam-gateway';
import type { SecretsGateway } from './aws/secrets-gateway';
import { CURRENT_STAGE, PREVIOUS_STAGE, SdkSecretsGateway } from './aws/secrets-gateway';
import { verifyKeyWorks } from './aws/sts-gateway';
import type { ActivityDeps } from './deps';
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

export interface CreateAndStoreKeyInput {
  target: MemberRoleRef;
  userName: string;
  /** The user's key IDs as the workflow saw them before this step. Any other key is this activity's own. */
  knownAccessKeyIds: string[];
  secretName: string;
}

/** Identifiers only: the secret access key never leaves the activity. */
export interface CreateAndStoreKeyResult {
  accessKeyId: string;
  secretArn: string;
  /** The secret version that holds the new key (AWSCURRENT once stored). */
  versionId: string;
  /** The version that was AWSCURRENT before, which compensation puts back. */
  previousVersionId?: string;
  /** True when this rotation created the secret (compensation deletes it). */
  secretCreated: boolean;
}

export interface VerifyAccessKeyInput {
  target: MemberRoleRef;
  userName: string;
  accessKeyId: string;
  secretName: string;
}

export interface VerifyAccessKeyResult {
  arn: string;
  account: string;
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

export interface DiscardNewKeyInput {
  target: MemberRoleRef;
  userName: string;
  /** The key createAndStoreKey made. */
  accessKeyId: string;
  secretName: string;
  /** From createAndStoreKey: the version holding the new key. */
  versionId: string;
  previousVersionId?: string;
  secretCreated: boolean;
}

export interface DiscardNewKeyResult {
  keyDeleted: boolean;
  secret: 'restored-previous' | 'deleted' | 'unchanged';
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

function currentVersionOf(versions: ReadonlyArray<{ versionId: string; stages: string[] }>, stage: string) {
  return versions.find((v) => v.stages.includes(stage))?.versionId;
}

/**
 * The result of an earlier attempt that created `candidates[i]` and stored it: the secret's
 * AWSCURRENT value holds that key ID. Undefined when none of them was stored.
 */
async function storedEarlier(
  secrets: SecretsGateway,
  secretName: string,
  candidates: readonly AccessKeySummary[],
): Promise<CreateAndStoreKeyResult | undefined> {
  const current = await secrets.getCurrentValue(secretName);
  if (current === undefined) return undefined;
  const storedId = storedAccessKeyId(current.value);
  if (storedId === undefined || !candidates.some((k) => k.accessKeyId === storedId)) return undefined;
  const described = await secrets.describe(secretName);
  const previousVersionId = currentVersionOf(described?.versions ?? [], PREVIOUS_STAGE);
  const result: CreateAndStoreKeyResult = {
    accessKeyId: storedId,
    secretArn: described?.arn ?? '',
    versionId: current.versionId,
    // A secret that existed before this rotation had a current version, which is AWSPREVIOUS now.
    secretCreated: previousVersionId === undefined,
  };
  if (previousVersionId !== undefined) result.previousVersionId = previousVersionId;
  return result;
}

export function createKeyActivities(deps: ActivityDeps) {
  const gateways = (target: MemberRoleRef): { iam: IamGateway; secrets: SecretsGateway } => {
    const clients = deps.aws.member(target);
    return { iam: new SdkIamGateway(clients.iam), secrets: new SdkSecretsGateway(clients.secrets) };
  };

  return {
    /**
     * Creates a new access key for the user and stores it as a new version of the user's secret
     * (`{"AccessKeyId","SecretAccessKey"}`, AWSCURRENT; the previous version stays AWSPREVIOUS).
     * Returns identifiers only: the secret access key never leaves this function.
     *
     * Idempotent across crashes and retries. A key the user holds that is not in
     * `knownAccessKeyIds` was made by an earlier attempt: if the secret already holds it, that
     * attempt's result is returned and nothing new is made; otherwise the orphan is deleted
     * before a key is created. So there is never an orphan key and never a third key.
     */
    async createAndStoreKey(input: CreateAndStoreKeyInput): Promise<CreateAndStoreKeyResult> {
      const { target, userName, secretName } = input;
      const context = Context.current();
      const user = userLabel(target, userName);
      let step = `listing the access keys of ${user}`;
      try {
        const { iam, secrets } = gateways(target);
        const known = new Set(input.knownAccessKeyIds);
        const keys = await iam.listAccessKeys(userName);
        const unknown = keys.filter((k) => !known.has(k.accessKeyId));
        const held = new Set(keys.map((k) => k.accessKeyId));

        if (unknown.length > 0) {
          step = `looking for a key of ${user} stored earlier in secret ${secretName}`;
          const earlier = await storedEarlier(secrets, secretName, unknown);
          for (const orphan of unknown) {
            if (orphan.accessKeyId === earlier?.accessKeyId) continue;
            // A key from an earlier attempt was never stored, so nobody can have used it. A key
            // that has been used is someone else's: leave it alone (it still counts toward the limit).
            step = `checking the last use of key ${orphan.accessKeyId} of ${user}`;
            const lastUse = await iam.getAccessKeyLastUsed(orphan.accessKeyId);
            if (lastUse.lastUsedDate !== undefined) continue;
            step = `deleting the orphan key ${orphan.accessKeyId} of ${user}`;
            await iam.deleteAccessKey(userName, orphan.accessKeyId);
            held.delete(orphan.accessKeyId);
            context.log.info('Deleted an access key an earlier attempt created but never stored', {
              accountId: target.accountId,
              userName,
              accessKeyId: orphan.accessKeyId,
            });
          }
          if (earlier !== undefined) {
            context.log.info('An earlier attempt already created and stored the key', {
              accountId: target.accountId,
              userName,
              accessKeyId: earlier.accessKeyId,
            });
            return earlier;
          }
        }

        if (held.size >= MAX_ACCESS_KEYS_PER_USER) {
          throw ApplicationFailure.nonRetryable(
            `${user} already holds ${held.size} access keys (${[...held].join(', ')}); IAM allows at most ` +
              `${MAX_ACCESS_KEYS_PER_USER}, so no new key was created. Delete one of them first.`,
            KeyErrorType.LimitExceeded,
          );
        }

        step = `reading the versions of secret ${secretName} in account ${target.accountId}`;
        const before = await secrets.describe(secretName);
        const previousVersionId = currentVersionOf(before?.versions ?? [], CURRENT_STAGE);

        step = `creating an access key for ${user}`;
        const created = await iam.createAccessKey(userName);
        deps.faults?.['after-create-access-key']?.({
          accountId: target.accountId,
          userName,
          attempt: context.info.attempt,
        });

        step = `storing the new key ${created.accessKeyId} of ${user} in secret ${secretName}`;
        let stored;
        try {
          stored = await secrets.putNewVersion(
            secretName,
            formatKeySecret(created),
            secretVersionToken({ accountId: target.accountId, secretName, accessKeyId: created.accessKeyId }),
          );
        } catch (error) {
          // Best effort: do not leave a key nobody can use. If this fails too (or the worker
          // dies here), the next attempt finds it as an orphan and deletes it.
          await iam.deleteAccessKey(userName, created.accessKeyId).catch(() => false);
          throw error;
        }

        const result: CreateAndStoreKeyResult = {
          accessKeyId: created.accessKeyId,
          secretArn: stored.arn,
          versionId: stored.versionId,
          secretCreated: before === undefined,
        };
        if (previousVersionId !== undefined) result.previousVersionId = previousVersionId;
        return result;
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },

    /**
     * Proves the stored key works: reads the secret's AWSCURRENT value here (it never leaves this
     * function), checks it holds `accessKeyId`, and calls sts:GetCallerIdentity signed with it.
     * InvalidClientTokenId / SignatureDoesNotMatch are retryable (IAM propagation); a secret that
     * holds another key, or a key that is someone else's, is a non-retryable failure.
     */
    async verifyAccessKey(input: VerifyAccessKeyInput): Promise<VerifyAccessKeyResult> {
      const { target, userName, accessKeyId, secretName } = input;
      const user = userLabel(target, userName);
      const where = `secret ${secretName} in account ${target.accountId}`;
      let current;
      try {
        current = await gateways(target).secrets.getCurrentValue(secretName);
      } catch (error) {
        throw toActivityFailure(error, `reading ${where}`);
      }
      if (current === undefined) {
        throw ApplicationFailure.nonRetryable(
          `Cannot verify key ${accessKeyId} of ${user}: ${where} does not exist or has no AWSCURRENT value`,
          KeyErrorType.SecretMismatch,
        );
      }
      const key = parseKeySecret(current.value);
      if (key === undefined) {
        throw ApplicationFailure.nonRetryable(
          `Cannot verify key ${accessKeyId} of ${user}: the AWSCURRENT value of ${where} is not ` +
            '{"AccessKeyId","SecretAccessKey"} JSON',
          KeyErrorType.SecretMismatch,
        );
      }
      if (key.accessKeyId !== accessKeyId) {
        throw ApplicationFailure.nonRetryable(
          `Cannot verify key ${accessKeyId} of ${user}: the AWSCURRENT value of ${where} holds key ` +
            `${key.accessKeyId} instead`,
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
     * The saga's compensation for createAndStoreKey, before the old key was deactivated: deletes
     * the new key and puts the secret back as it was (the previous version made AWSCURRENT
     * again, or the secret deleted if this rotation created it). Idempotent; it never touches
     * a version someone stored after ours.
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
        const current = currentVersionOf(described?.versions ?? [], CURRENT_STAGE);

        if (input.secretCreated) {
          // Already gone (e.g. an earlier attempt deleted it): the outcome is the same.
          if (described === undefined) return { keyDeleted, secret: 'deleted' };
          if (current !== versionId) return { keyDeleted, secret: 'unchanged' };
          step = `deleting secret ${secretName} in account ${target.accountId}`;
          await secrets.deleteSecret(secretName);
          return { keyDeleted, secret: 'deleted' };
        }

        if (described === undefined) return { keyDeleted, secret: 'unchanged' };
        if (input.previousVersionId !== undefined && current === input.previousVersionId) {
          // An earlier attempt already restored it.
          return { keyDeleted, secret: 'restored-previous' };
        }
        step = `restoring the previous version of secret ${secretName} in account ${target.accountId}`;
        const restored = await secrets.restorePreviousVersion(secretName, versionId);
        return { keyDeleted, secret: restored.restored ? 'restored-previous' : 'unchanged' };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },
  };
}
