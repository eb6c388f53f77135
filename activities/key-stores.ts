import type { KeyDestination } from '../domain/key-destination';
import type { ParameterDescription, SdkParameterGateway } from './aws/parameter-gateway';
import { CURRENT_LABEL, PENDING_LABEL, PREVIOUS_LABEL } from './aws/parameter-gateway';
import type { SecretsGateway } from './aws/secrets-gateway';
import { CURRENT_STAGE, PENDING_STAGE, PREVIOUS_STAGE } from './aws/secrets-gateway';
import { secretVersionToken, storedAccessKeyId } from './secret-value';

/** A staged version: where it is, and whether staging created the secret or parameter. */
export interface StagedVersion {
  /** The secret's ARN; for a parameter, its name. */
  location: string;
  versionId: string;
  created: boolean;
}

/**
 * The store of one user's key, whatever the destination: the rotation protocol in its terms.
 * A version is staged (not read by consumers), read back to verify, promoted to current (the old
 * current becomes previous), or discarded before promotion. Values handled here are secret:
 * they never leave the activity that calls these.
 */
export interface KeyStore {
  /** The version an earlier attempt staged for `accessKeyId`, if it is there. */
  findStaged(accessKeyId: string): Promise<StagedVersion | undefined>;
  stage(value: string, accessKeyId: string): Promise<StagedVersion>;
  readVersion(versionId: string): Promise<string | undefined>;
  promote(versionId: string): Promise<{ previousVersionId?: string }>;
  /** Removes only the staged version (the whole store if staging created it and it holds nothing else). */
  discard(versionId: string, created: boolean): Promise<'pending-removed' | 'deleted' | 'unchanged'>;
}

export function keyStoreFor(
  destination: KeyDestination,
  scope: { accountId: string; secrets: SecretsGateway; parameters: () => SdkParameterGateway },
): KeyStore {
  return destination.type === 'ssm-parameter'
    ? parameterKeyStore(destination.name, destination.kmsKeyId, scope.parameters())
    : secretKeyStore(destination, scope.accountId, scope.secrets);
}

function stageHolder(versions: ReadonlyArray<{ versionId: string; stages: string[] }>, stage: string) {
  return versions.find((v) => v.stages.includes(stage))?.versionId;
}

/** Secrets Manager: versions labelled AWSPENDING, AWSCURRENT and AWSPREVIOUS. */
function secretKeyStore(
  destination: Extract<KeyDestination, { type: 'secretsmanager' }>,
  accountId: string,
  secrets: SecretsGateway,
): KeyStore {
  const name = destination.name;
  const token = (accessKeyId: string) => secretVersionToken({ accountId, secretName: name, accessKeyId });
  const grantReaders = async () => {
    if (destination.readers?.length) await secrets.putReadPolicy(name, destination.readers);
  };
  return {
    async findStaged(accessKeyId) {
      const versionId = token(accessKeyId);
      const value = await secrets.getVersionValue(name, versionId);
      if (value === undefined || storedAccessKeyId(value) !== accessKeyId) return undefined;
      const described = await secrets.describe(name);
      await grantReaders();
      return {
        location: described?.arn ?? '',
        versionId,
        created: (described?.versions.length ?? 0) <= 1,
      };
    },
    async stage(value, accessKeyId) {
      const stored = await secrets.putPendingVersion(name, value, token(accessKeyId), destination.kmsKeyId);
      await grantReaders();
      return { location: stored.arn, versionId: stored.versionId, created: stored.created };
    },
    readVersion: (versionId) => secrets.getVersionValue(name, versionId),
    async promote(versionId) {
      const before = await secrets.describe(name);
      const current = stageHolder(before?.versions ?? [], CURRENT_STAGE);
      await secrets.moveStage(name, CURRENT_STAGE, versionId);
      await secrets.removeStage(name, PENDING_STAGE, versionId);
      if (current !== undefined && current !== versionId) return { previousVersionId: current };
      const after = await secrets.describe(name);
      const previous = stageHolder(after?.versions ?? [], PREVIOUS_STAGE);
      return previous === undefined ? {} : { previousVersionId: previous };
    },
    async discard(versionId, created) {
      const described = await secrets.describe(name);
      if (described === undefined) return created ? 'deleted' : 'unchanged';
      if (created && described.versions.every((v) => v.versionId === versionId)) {
        await secrets.deleteSecret(name);
        return 'deleted';
      }
      const ours = described.versions.find((v) => v.versionId === versionId);
      if (!ours?.stages.includes(PENDING_STAGE)) return 'unchanged';
      await secrets.removeStage(name, PENDING_STAGE, versionId);
      return 'pending-removed';
    },
  };
}

function labelHolder(described: ParameterDescription | undefined, label: string): number | undefined {
  return described?.versions.find((v) => v.labels.includes(label))?.version;
}

/**
 * Parameter Store: a SecureString with a new version per rotation. The labels `pending`,
 * `current` and `previous` play the parts of the Secrets Manager stages; consumers read
 * `<name>:current`.
 */
function parameterKeyStore(
  name: string,
  kmsKeyId: string | undefined,
  parameters: SdkParameterGateway,
): KeyStore {
  const staged = async (version: number, created: boolean): Promise<StagedVersion> => {
    await parameters.moveLabel(name, PENDING_LABEL, version);
    return { location: name, versionId: String(version), created };
  };
  return {
    async findStaged(accessKeyId) {
      // Staging puts a version and labels it at once: an interrupted attempt left it the newest.
      const newest = await parameters.getValue(name);
      if (newest === undefined || storedAccessKeyId(newest.value) !== accessKeyId) return undefined;
      const described = await parameters.describe(name);
      return staged(newest.version, (described?.versions.length ?? 0) <= 1);
    },
    async stage(value) {
      const put = await parameters.putVersion(name, value, kmsKeyId);
      return staged(put.version, put.created);
    },
    async readVersion(versionId) {
      return (await parameters.getValue(name, Number(versionId)))?.value;
    },
    async promote(versionId) {
      const version = Number(versionId);
      const before = await parameters.describe(name);
      const current = labelHolder(before, CURRENT_LABEL);
      if (current !== undefined && current !== version)
        await parameters.moveLabel(name, PREVIOUS_LABEL, current);
      await parameters.moveLabel(name, CURRENT_LABEL, version);
      await parameters.removeLabel(name, PENDING_LABEL, version);
      const previous =
        current !== undefined && current !== version
          ? current
          : labelHolder(await parameters.describe(name), PREVIOUS_LABEL);
      return previous === undefined ? {} : { previousVersionId: String(previous) };
    },
    async discard(versionId, created) {
      const version = Number(versionId);
      const described = await parameters.describe(name);
      if (described === undefined) return created ? 'deleted' : 'unchanged';
      if (created && described.versions.every((v) => v.version === version)) {
        await parameters.deleteParameter(name);
        return 'deleted';
      }
      const ours = described.versions.find((v) => v.version === version);
      if (!ours?.labels.includes(PENDING_LABEL)) return 'unchanged';
      await parameters.removeLabel(name, PENDING_LABEL, version);
      return 'pending-removed';
    },
  };
}
