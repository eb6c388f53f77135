import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import type { KeyStatus } from '../domain/inventory';
import type { MemberRoleRef } from './aws/credentials';
import { isAwsError, toActivityFailure } from './aws/errors';
import type { AccessKeySummary, IamGateway } from './aws/iam-gateway';
import { SdkIamGateway } from './aws/iam-gateway';
import { SdkParameterGateway } from './aws/parameter-gateway';
import { SdkSecretsGateway } from './aws/secrets-gateway';
import { verifyKeyWorks } from './aws/sts-gateway';
import { CREATING_TAG, createdSince, earlierAttemptKeys, markCreating, unrecordedKey } from './creation-mark';
import type { ActivityDeps } from './deps';
import { keyStoreFor, type KeyStore, type StagedVersion } from './key-stores';
import { isContainmentPolicy } from './offboarding-policy';
import { formatKeySecret, parseKeySecret } from './secret-value';
import { describeDestination, type KeyDestination } from '../domain/key-destination';
import { formatKeyDescriptionTag, type KeyOriginKind } from '../domain/key-description-tag';

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
  /** A key appeared while one was being created (retryable: the next attempt sorts out whose). */
  KeyAppeared: 'KeyAppeared',
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
  /** The secret's name (Secrets Manager), kept for inputs made before `destination`. */
  secretName: string;
  /** Where the key is stored; a Secrets Manager secret named `secretName` when absent. */
  destination?: KeyDestination;
  /** What made the key, for its description tag. */
  origin?: KeyOrigin;
}

export interface KeyOrigin {
  kind: KeyOriginKind;
  workflowId: string;
}

/** Identifiers only: the secret access key never leaves the activity. */
export interface CreateAndStageKeyResult {
  accessKeyId: string;
  /** The secret's ARN; for a Parameter Store destination, the parameter's name. */
  secretArn: string;
  /** The version that holds the new key, staged (AWSPENDING, or label `pending`) until promoted. */
  versionId: string;
  /**
   * True when this rotation created the secret. AWS makes the first version of a new secret
   * AWSCURRENT as well; no consumer can have read it before, and compensation deletes the secret.
   */
  secretCreated: boolean;
  /** The description tag put on the user for the key (its key is the access key ID). */
  description?: string;
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
  destination?: KeyDestination;
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

/** Where a key is stored: inputs made before `destination` mean a Secrets Manager secret. */
export function destinationOf(input: { secretName: string; destination?: KeyDestination }): KeyDestination {
  return input.destination ?? { type: 'secretsmanager', name: input.secretName };
}

export function createKeyActivities(deps: ActivityDeps) {
  const iamOf = (target: MemberRoleRef): IamGateway => new SdkIamGateway(deps.aws.member(target).iam);
  const storeOf = (target: MemberRoleRef, destination: KeyDestination): KeyStore => {
    const clients = deps.aws.member(target);
    return keyStoreFor(destination, {
      accountId: target.accountId,
      secrets: new SdkSecretsGateway(clients.secrets),
      parameters: () => new SdkParameterGateway(clients.ssm),
    });
  };
  const gateways = (target: MemberRoleRef): { iam: IamGateway } => ({ iam: iamOf(target) });

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
      const { target, userName } = input;
      const destination = destinationOf(input);
      const where = describeDestination(destination);
      const context = Context.current();
      const user = userLabel(target, userName);
      let step = `listing the access keys of ${user}`;
      try {
        const iam = iamOf(target);
        const store = storeOf(target, destination);
        const describeKey = async (accessKeyId: string, createDate: string): Promise<string | undefined> => {
          const description = formatKeyDescriptionTag({
            madeBy: input.origin ?? { kind: 'campaign', workflowId: 'unknown' },
            created: createDate,
            stored: { type: destination.type, name: destination.name },
          });
          step = `tagging ${user} with the description of key ${accessKeyId}`;
          try {
            await iam.tagUser(userName, accessKeyId, description);
          } catch (error) {
            // A user holds at most 50 tags: a full set must not cost the rotation its new key.
            if (!isAwsError(error, 'LimitExceeded', 'LimitExceededException')) throw error;
            context.log.warn('The user has no room for the key description tag', {
              accountId: target.accountId,
              userName,
              accessKeyId,
            });
            return undefined;
          }
          return description;
        };
        // The run, not only the saga's ID: a user's saga ID is the same in every campaign.
        const execution = context.info.workflowExecution;
        const sagaId =
          execution === undefined ? context.info.activityId : `${execution.workflowId}/${execution.runId}`;
        const firstScheduled = context.info.scheduledTimestampMs;
        const known = new Set(input.knownAccessKeyIds);
        const keys = await iam.listAccessKeys(userName);
        const held = new Set(keys.map((k) => k.accessKeyId));
        const recorded = await earlierAttemptKeys(iam, {
          userName,
          sagaId,
          firstScheduledMs: firstScheduled,
          attempt: context.info.attempt,
          heartbeated: (context.info.heartbeatDetails as CreateKeyProgress | undefined)?.createdAccessKeyId,
          known,
          keys,
        });

        let staged: { key: AccessKeySummary; found: StagedVersion } | undefined;
        const unstored: string[] = [];
        for (const key of keys) {
          if (known.has(key.accessKeyId)) continue;
          // Ours for sure: a key an earlier attempt recorded. Possibly ours: one created since
          // this activity was first scheduled and never used. Either is taken over if staged.
          const mine =
            recorded.has(key.accessKeyId) ||
            (createdSince(key.createDate, firstScheduled) &&
              (await iam.getAccessKeyLastUsed(key.accessKeyId)).lastUsedDate === undefined);
          if (!mine) continue; // someone else's key (made out of band): never ours to delete
          step = `looking for the key ${key.accessKeyId} of ${user} in ${where}`;
          const found = await store.findStaged(key.accessKeyId);
          if (found !== undefined) staged ??= { key, found };
          // Deleted only when recorded: a key merely made in the same minutes may be its owner's.
          else if (recorded.has(key.accessKeyId)) unstored.push(key.accessKeyId);
        }
        // Every recorded key that was never stored goes, even when another is returned: none of
        // their secrets exists anywhere any more.
        for (const accessKeyId of unstored) {
          step = `deleting the key ${accessKeyId} an earlier attempt made for ${user} but never stored`;
          await iam.deleteAccessKey(userName, accessKeyId);
          await iam.untagUser(userName, accessKeyId);
          held.delete(accessKeyId);
          context.log.info('Deleted an access key an earlier attempt created but never stored', {
            accountId: target.accountId,
            userName,
            accessKeyId,
          });
        }
        if (staged !== undefined) {
          const { key, found } = staged;
          context.log.info('An earlier attempt already created and staged the key', {
            accountId: target.accountId,
            userName,
            accessKeyId: key.accessKeyId,
          });
          return {
            accessKeyId: key.accessKeyId,
            secretArn: found.location,
            versionId: found.versionId,
            secretCreated: found.created,
            description: await describeKey(key.accessKeyId, key.createDate),
          };
        }

        if (held.size >= MAX_ACCESS_KEYS_PER_USER) {
          throw ApplicationFailure.nonRetryable(
            `${user} already holds ${held.size} access keys (${[...held].join(', ')}); IAM allows at most ` +
              `${MAX_ACCESS_KEYS_PER_USER}, so no new key was created. Delete one of them first.`,
            KeyErrorType.LimitExceeded,
          );
        }

        step = `marking ${user} as getting a new key from ${sagaId}`;
        await markCreating(iam, userName, sagaId, context.log);
        step = `creating an access key for ${user}`;
        const created = await iam.createAccessKey(userName).catch((error: unknown) => {
          // The listing above left room, so a key appeared since: most likely this very call's
          // first try, whose answer was lost and which the SDK sent again. The next attempt finds
          // that key by the creation mark and removes it; someone else's key still stops it there.
          if (!isAwsError(error, 'LimitExceeded', 'LimitExceededException')) throw error;
          throw ApplicationFailure.retryable(
            `${user} reached ${MAX_ACCESS_KEYS_PER_USER} access keys while keywarden was creating one; ` +
              'the next attempt looks for a key an earlier try made',
            KeyErrorType.KeyAppeared,
          );
        });
        deps.faults?.['create-response-lost']?.({
          accountId: target.accountId,
          userName,
          attempt: context.info.attempt,
        });
        context.heartbeat({ createdAccessKeyId: created.accessKeyId } satisfies CreateKeyProgress);
        deps.faults?.['after-create-access-key']?.({
          accountId: target.accountId,
          userName,
          attempt: context.info.attempt,
        });

        if ((created.sdkAttempts ?? 1) > 1) {
          // The SDK sent CreateAccessKey more than once: a lost answer may have left a second key.
          step = `looking for a key an earlier try made for ${user} before ${created.accessKeyId}`;
          const mine = new Set([...known, created.accessKeyId]);
          const extra = await unrecordedKey(
            iam,
            userName,
            sagaId,
            firstScheduled,
            mine,
            await iam.listAccessKeys(userName),
          );
          if (extra !== undefined) {
            step = `deleting the key ${extra} an earlier try made for ${user} but never stored`;
            await iam.deleteAccessKey(userName, extra);
            context.log.info('Deleted an access key whose CreateAccessKey answer was lost', {
              accountId: target.accountId,
              userName,
              accessKeyId: extra,
            });
          }
        }
        step = `staging the new key ${created.accessKeyId} of ${user} in ${where}`;
        let stored;
        try {
          stored = await store.stage(formatKeySecret(created), created.accessKeyId);
        } catch (error) {
          // Best effort: do not leave a key nobody can use. If this fails too (or the worker
          // dies here), the next attempt finds the recorded key and deletes it.
          await iam.deleteAccessKey(userName, created.accessKeyId).catch(() => false);
          throw error;
        }
        const description = await describeKey(created.accessKeyId, new Date().toISOString());
        step = `removing the creation mark from ${user}`;
        await iam.untagUser(userName, CREATING_TAG);
        return {
          accessKeyId: created.accessKeyId,
          secretArn: stored.location,
          versionId: stored.versionId,
          secretCreated: stored.created,
          description,
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
      const { target, userName, accessKeyId, versionId } = input;
      const destination = destinationOf(input);
      const user = userLabel(target, userName);
      const where = `version ${versionId} of ${describeDestination(destination)} in account ${target.accountId}`;
      let value;
      try {
        value = await storeOf(target, destination).readVersion(versionId);
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
      const { target, versionId } = input;
      const destination = destinationOf(input);
      try {
        return await storeOf(target, destination).promote(versionId);
      } catch (error) {
        throw toActivityFailure(
          error,
          `promoting version ${versionId} of ${describeDestination(destination)} in account ${target.accountId} to current`,
        );
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
        const iam = iamOf(target);
        const deleted = await iam.deleteAccessKey(userName, accessKeyId);
        // The key's description tag, if keywarden put one, goes with the key.
        await iam.untagUser(userName, accessKeyId);
        return { deleted };
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
      const { target, userName, accessKeyId, versionId } = input;
      const destination = destinationOf(input);
      const user = userLabel(target, userName);
      let step = `deleting the new key ${accessKeyId} of ${user}`;
      try {
        const iam = iamOf(target);
        const keyDeleted = await iam.deleteAccessKey(userName, accessKeyId);
        step = `removing the description tag of key ${accessKeyId} from ${user}`;
        await iam.untagUser(userName, accessKeyId);
        step = `removing the staged version ${versionId} of ${describeDestination(destination)} in account ${target.accountId}`;
        const secret = await storeOf(target, destination).discard(versionId, input.secretCreated);
        return { keyDeleted, secret };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },
  };
}
