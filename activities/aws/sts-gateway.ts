import type { STSClient } from '@aws-sdk/client-sts';
import { GetAccessKeyInfoCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsEnvironment } from './aws-config';
import { stsClientForCredentials } from './clients';

export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

export async function callerIdentity(client: STSClient): Promise<CallerIdentity> {
  const out = await client.send(new GetCallerIdentityCommand({}));
  return { arn: out.Arn ?? '', account: out.Account ?? '', userId: out.UserId ?? '' };
}

/**
 * The account that owns an access key ID. AWS decodes it from the ID itself, so it answers for
 * deleted keys too; it says nothing about whether the key still exists.
 */
export async function accessKeyAccount(client: STSClient, accessKeyId: string): Promise<string | undefined> {
  const out = await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId }));
  return out.Account;
}

/**
 * Proves a freshly created key works: sts:GetCallerIdentity signed with exactly that key,
 * through a one-off client that is destroyed afterwards (the secret is never cached).
 * A brand-new key can be refused (InvalidClientTokenId) for a few seconds while IAM
 * propagates it: callers should treat that as retryable.
 */
export async function verifyKeyWorks(
  key: { accessKeyId: string; secretAccessKey: string },
  env: AwsEnvironment,
): Promise<{ arn: string; account: string }> {
  const client = stsClientForCredentials(env, {
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
  });
  try {
    const { arn, account } = await callerIdentity(client);
    return { arn, account };
  } finally {
    client.destroy();
  }
}
