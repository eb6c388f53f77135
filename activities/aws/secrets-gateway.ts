import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  paginateListSecrets,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { isAwsError } from './errors';

export const CURRENT_STAGE = 'AWSCURRENT';
export const PREVIOUS_STAGE = 'AWSPREVIOUS';
export const PENDING_STAGE = 'AWSPENDING';
export const MANAGED_BY_TAG = { Key: 'managed-by', Value: 'keywarden' } as const;

export interface SecretDescription {
  arn: string;
  /** Versions that carry at least one staging label. */
  versions: Array<{ versionId: string; stages: string[] }>;
}

export interface SecretVersionRef {
  arn: string;
  versionId: string;
}

export type RestoreResult =
  | { restored: true; fromVersionId: string; toVersionId: string }
  | { restored: false; reason: 'secret-not-found' | 'no-previous-version' | 'current-is-not-expected' };

/**
 * Secrets Manager of one account. `getCurrentValue` and `putNewVersion` handle secret material:
 * call them only inside the activity that owns the secret, and never return, log or report the value.
 */
export interface SecretsGateway {
  describe(name: string): Promise<SecretDescription | undefined>;
  getCurrentValue(name: string): Promise<{ versionId: string; value: string } | undefined>;
  /** Stores `value` as the new AWSCURRENT, creating the secret (tagged managed-by=keywarden) if missing. */
  putNewVersion(name: string, value: string, clientRequestToken?: string): Promise<SecretVersionRef>;
  /**
   * Stores `value` as a new version labelled AWSPENDING only, creating the secret if missing. As in
   * AWS, the first version of a brand-new secret is also made AWSCURRENT (`created` says so).
   */
  putPendingVersion(
    name: string,
    value: string,
    clientRequestToken: string,
    kmsKeyId?: string,
  ): Promise<SecretVersionRef & { created: boolean }>;
  /** Sets the secret's resource policy to one statement: `readerRoleArns` may call GetSecretValue. */
  putReadPolicy(name: string, readerRoleArns: readonly string[]): Promise<void>;
  /** The value of one version, or undefined when the secret or version does not exist. */
  getVersionValue(name: string, versionId: string): Promise<string | undefined>;
  /** Moves `stage` to `versionId` (from wherever it is). Moving AWSCURRENT makes the old current AWSPREVIOUS. */
  moveStage(name: string, stage: string, versionId: string): Promise<void>;
  /** Removes `stage` from `versionId` if it is there. Idempotent. */
  removeStage(name: string, stage: string, versionId: string): Promise<void>;
  /**
   * Moves AWSCURRENT back to the AWSPREVIOUS version. With `expectedCurrentVersionId`, does so
   * only while that version is still current, so a retried compensation is a no-op.
   */
  restorePreviousVersion(name: string, expectedCurrentVersionId?: string): Promise<RestoreResult>;
  /** Deletes at once, without a recovery window. Idempotent: a missing secret is not an error. */
  deleteSecret(name: string): Promise<void>;
  /** The names of the secrets tagged managed-by=keywarden. */
  listManagedSecretNames(): Promise<string[]>;
}

const NOT_FOUND = 'ResourceNotFoundException';

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isAwsError(err, NOT_FOUND)) return undefined;
    throw err;
  }
}

export class SdkSecretsGateway implements SecretsGateway {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(name: string): Promise<SecretDescription | undefined> {
    const out = await orUndefined(this.client.send(new DescribeSecretCommand({ SecretId: name })));
    if (out === undefined) return undefined;
    const versions = Object.entries(out.VersionIdsToStages ?? {}).map(([versionId, stages]) => ({
      versionId,
      stages: [...stages],
    }));
    return { arn: out.ARN ?? '', versions };
  }

  async getCurrentValue(name: string): Promise<{ versionId: string; value: string } | undefined> {
    // Ask for AWSCURRENT by name: some emulators answer an unqualified read with the newest
    // version even after UpdateSecretVersionStage moved AWSCURRENT elsewhere.
    const out = await orUndefined(
      this.client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: CURRENT_STAGE })),
    );
    if (out?.SecretString === undefined || out.VersionId === undefined) return undefined;
    return { versionId: out.VersionId, value: out.SecretString };
  }

  async putNewVersion(name: string, value: string, clientRequestToken?: string): Promise<SecretVersionRef> {
    const { arn, versionId } = await this.putOrCreate(name, value, clientRequestToken);
    return { arn, versionId };
  }

  async putPendingVersion(
    name: string,
    value: string,
    clientRequestToken: string,
    kmsKeyId?: string,
  ): Promise<SecretVersionRef & { created: boolean }> {
    const stored = await this.putOrCreate(name, value, clientRequestToken, [PENDING_STAGE], kmsKeyId);
    // A new secret has no consumer yet; its first version is necessarily AWSCURRENT.
    if (stored.created) await this.moveStage(name, PENDING_STAGE, stored.versionId);
    return stored;
  }

  /** A new version (with `stages`, or AWSCURRENT by default), creating the secret when it is missing. */
  private async putOrCreate(
    name: string,
    value: string,
    clientRequestToken: string | undefined,
    stages?: string[],
    kmsKeyId?: string,
  ): Promise<SecretVersionRef & { created: boolean }> {
    const put = async () => {
      const out = await this.client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: value,
          ClientRequestToken: clientRequestToken,
          ...(stages === undefined ? {} : { VersionStages: stages }),
        }),
      );
      return { arn: out.ARN ?? '', versionId: out.VersionId ?? '', created: false };
    };
    try {
      return await put();
    } catch (err) {
      if (!isAwsError(err, NOT_FOUND)) throw err;
    }
    try {
      const out = await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ClientRequestToken: clientRequestToken,
          Description: 'Access key managed by keywarden',
          Tags: [{ ...MANAGED_BY_TAG }],
          ...(kmsKeyId === undefined ? {} : { KmsKeyId: kmsKeyId }),
        }),
      );
      return { arn: out.ARN ?? '', versionId: out.VersionId ?? '', created: true };
    } catch (err) {
      // Someone created it between our two calls: add the version to theirs.
      if (!isAwsError(err, 'ResourceExistsException')) throw err;
      return put();
    }
  }

  async putReadPolicy(name: string, readerRoleArns: readonly string[]): Promise<void> {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'KeywardenReaders',
          Effect: 'Allow',
          Principal: { AWS: [...readerRoleArns] },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        },
      ],
    };
    await this.client.send(
      new PutResourcePolicyCommand({
        SecretId: name,
        ResourcePolicy: JSON.stringify(policy),
        BlockPublicPolicy: true,
      }),
    );
  }

  async getVersionValue(name: string, versionId: string): Promise<string | undefined> {
    const out = await orUndefined(
      this.client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId })),
    );
    return out?.SecretString;
  }

  async moveStage(name: string, stage: string, versionId: string): Promise<void> {
    const described = await this.describe(name);
    const holder = described?.versions.find((v) => v.stages.includes(stage))?.versionId;
    if (holder === versionId) return;
    await this.updateStage(
      name,
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: stage,
        MoveToVersionId: versionId,
        ...(holder === undefined ? {} : { RemoveFromVersionId: holder }),
      }),
      (after) => after.find((v) => v.stages.includes(stage))?.versionId === versionId,
    );
  }

  async removeStage(name: string, stage: string, versionId: string): Promise<void> {
    const described = await this.describe(name);
    const version = described?.versions.find((v) => v.versionId === versionId);
    if (!version?.stages.includes(stage)) return;
    await this.updateStage(
      name,
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: stage,
        RemoveFromVersionId: versionId,
      }),
      (after) => !after.some((v) => v.versionId === versionId && v.stages.includes(stage)),
    );
  }

  /**
   * Sends a stage change; if AWS refuses it as invalid, reads the stages again and counts it as
   * done when they are already as asked. The SDK resends a request whose answer was lost (a
   * connection reset), and the resent request then finds the stage moved by the first one.
   */
  private async updateStage(
    name: string,
    command: UpdateSecretVersionStageCommand,
    done: (versions: SecretDescription['versions']) => boolean,
  ): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!isAwsError(error, 'InvalidParameterException')) throw error;
      const after = await this.describe(name);
      if (after === undefined || !done(after.versions)) throw error;
    }
  }

  async restorePreviousVersion(name: string, expectedCurrentVersionId?: string): Promise<RestoreResult> {
    const described = await this.describe(name);
    if (described === undefined) return { restored: false, reason: 'secret-not-found' };
    const current = described.versions.find((v) => v.stages.includes(CURRENT_STAGE));
    const previous = described.versions.find((v) => v.stages.includes(PREVIOUS_STAGE));
    if (expectedCurrentVersionId !== undefined && current?.versionId !== expectedCurrentVersionId) {
      return { restored: false, reason: 'current-is-not-expected' };
    }
    if (current === undefined || previous === undefined)
      return { restored: false, reason: 'no-previous-version' };
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: CURRENT_STAGE,
        MoveToVersionId: previous.versionId,
        RemoveFromVersionId: current.versionId,
      }),
    );
    return { restored: true, fromVersionId: current.versionId, toVersionId: previous.versionId };
  }

  async deleteSecret(name: string): Promise<void> {
    // With ForceDeleteWithoutRecovery, Secrets Manager already answers success for a missing secret.
    await orUndefined(
      this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })),
    );
  }

  async listManagedSecretNames(): Promise<string[]> {
    const names: string[] = [];
    const filters = [
      { Key: 'tag-key' as const, Values: [MANAGED_BY_TAG.Key] },
      { Key: 'tag-value' as const, Values: [MANAGED_BY_TAG.Value] },
    ];
    for await (const page of paginateListSecrets({ client: this.client }, { Filters: filters })) {
      for (const secret of page.SecretList ?? []) {
        // The filters match the tag key and the tag value separately: check the pair.
        const tagged = secret.Tags?.some(
          (t) => t.Key === MANAGED_BY_TAG.Key && t.Value === MANAGED_BY_TAG.Value,
        );
        if (tagged && secret.Name !== undefined) names.push(secret.Name);
      }
    }
    return names;
  }
}
