import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  LabelParameterVersionCommand,
  paginateGetParameterHistory,
  PutParameterCommand,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { isAwsError } from './errors';

/** The labels keywarden moves between the versions of a key's parameter. Consumers read `<name>:current`. */
export const CURRENT_LABEL = 'current';
export const PREVIOUS_LABEL = 'previous';
export const PENDING_LABEL = 'pending';
export const MANAGED_BY_TAG = { Key: 'managed-by', Value: 'keywarden' } as const;

export interface ParameterDescription {
  /** Every version Parameter Store still keeps (at most 100), with its labels. */
  versions: Array<{ version: number; labels: string[] }>;
}

export interface ParameterVersionRef {
  version: number;
  /** True when this call created the parameter. */
  created: boolean;
}

export type ParameterRestoreResult =
  | { restored: true; fromVersion: number; toVersion: number }
  | { restored: false; reason: 'parameter-not-found' | 'no-previous-version' | 'current-is-not-expected' };

const NOT_FOUND = ['ParameterNotFound', 'ParameterVersionNotFound'] as const;

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isAwsError(err, ...NOT_FOUND)) return undefined;
    throw err;
  }
}

/**
 * Parameter Store of one account, for SecureString parameters that hold one access key each.
 * `putVersion` and `getValue` handle secret material: call them only inside the activity that
 * owns the key, and never return, log or report the value.
 */
export class SdkParameterGateway {
  constructor(private readonly client: SSMClient) {}

  /** The parameter's versions and labels, or undefined when it does not exist. */
  async describe(name: string): Promise<ParameterDescription | undefined> {
    const versions: ParameterDescription['versions'] = [];
    try {
      for await (const page of paginateGetParameterHistory(
        { client: this.client },
        { Name: name, WithDecryption: false },
      )) {
        for (const entry of page.Parameters ?? []) {
          if (entry.Version !== undefined)
            versions.push({ version: entry.Version, labels: [...(entry.Labels ?? [])] });
        }
      }
    } catch (err) {
      if (isAwsError(err, ...NOT_FOUND)) return undefined;
      throw err;
    }
    if (versions.length === 0) return undefined;
    return { versions };
  }

  /**
   * Stores `value` as a new SecureString version (encrypted with `kmsKeyId`, or the account's
   * `aws/ssm` key), creating the parameter, tagged managed-by=keywarden, when it is missing.
   */
  async putVersion(name: string, value: string, kmsKeyId?: string): Promise<ParameterVersionRef> {
    const common = {
      Name: name,
      Value: value,
      Type: 'SecureString' as const,
      Description: 'Access key managed by keywarden',
      ...(kmsKeyId === undefined ? {} : { KeyId: kmsKeyId }),
    };
    try {
      const out = await this.client.send(
        new PutParameterCommand({ ...common, Overwrite: false, Tags: [{ ...MANAGED_BY_TAG }] }),
      );
      return { version: out.Version ?? 0, created: true };
    } catch (err) {
      if (!isAwsError(err, 'ParameterAlreadyExists')) throw err;
    }
    const out = await this.client.send(new PutParameterCommand({ ...common, Overwrite: true }));
    return { version: out.Version ?? 0, created: false };
  }

  /** A version's decrypted value (`selector`: a version number or a label; the newest without), or undefined. */
  async getValue(
    name: string,
    selector?: number | string,
  ): Promise<{ arn: string; version: number; value: string } | undefined> {
    const out = await orUndefined(
      this.client.send(
        new GetParameterCommand({
          Name: selector === undefined ? name : `${name}:${selector}`,
          WithDecryption: true,
        }),
      ),
    );
    const parameter = out?.Parameter;
    if (parameter?.Value === undefined || parameter.Version === undefined) return undefined;
    return { arn: parameter.ARN ?? '', version: parameter.Version, value: parameter.Value };
  }

  /** Puts `label` on `version`; Parameter Store takes it off whichever version held it. Idempotent. */
  async moveLabel(name: string, label: string, version: number): Promise<void> {
    await this.client.send(
      new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] }),
    );
  }

  /** Takes `label` off `version` if it is there. Idempotent: a missing parameter or version is not an error. */
  async removeLabel(name: string, label: string, version: number): Promise<void> {
    await orUndefined(
      this.client.send(
        new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] }),
      ),
    );
  }

  /**
   * Moves `current` back to the version labelled `previous`. With `expectedCurrentVersion`, does
   * so only while that version is still current, so a retried rollback is a no-op.
   */
  async restorePreviousVersion(
    name: string,
    expectedCurrentVersion?: number,
  ): Promise<ParameterRestoreResult> {
    const described = await this.describe(name);
    if (described === undefined) return { restored: false, reason: 'parameter-not-found' };
    const holder = (label: string) => described.versions.find((v) => v.labels.includes(label))?.version;
    const current = holder(CURRENT_LABEL);
    const previous = holder(PREVIOUS_LABEL);
    if (expectedCurrentVersion !== undefined && current !== expectedCurrentVersion) {
      return { restored: false, reason: 'current-is-not-expected' };
    }
    if (current === undefined || previous === undefined)
      return { restored: false, reason: 'no-previous-version' };
    await this.moveLabel(name, CURRENT_LABEL, previous);
    await this.removeLabel(name, PREVIOUS_LABEL, previous);
    return { restored: true, fromVersion: current, toVersion: previous };
  }

  /** Deletes the parameter with all its versions. Idempotent: a missing parameter is not an error. */
  async deleteParameter(name: string): Promise<void> {
    await orUndefined(this.client.send(new DeleteParameterCommand({ Name: name })));
  }
}
