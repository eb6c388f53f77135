import { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ORG_ACCESS_ROLE } from '../../sandbox/seed-org';
import { BENCH_CREDENTIALS } from './bench-org';

export const BENCH_REGION = 'us-east-1';

/** The emulator's endpoint and region, signed with the benchmark's management-account keys. */
export function managementConfig(endpoint: string) {
  return { endpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, maxAttempts: 3 };
}

/** An IAM client in a member account, through one AssumeRole of the org's member role. */
export async function memberIam(sts: STSClient, endpoint: string, accountId: string): Promise<IAMClient> {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${ORG_ACCESS_ROLE}`,
      RoleSessionName: 'keywarden-bench',
    }),
  );
  if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) {
    throw new Error(`AssumeRole into ${accountId} returned no credentials`);
  }
  return new IAMClient({
    endpoint,
    region: BENCH_REGION,
    maxAttempts: 3,
    credentials: {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
    },
  });
}
