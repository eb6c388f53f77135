import type { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { performance } from 'node:perf_hooks';
import { BENCH_ARCHETYPES } from './bench-org';
import { mapBounded } from './bounded';
import { BENCH_REGION, managementConfig, memberIam } from './member-clients';
import { memberAccountIds, SDK_CONCURRENCY } from './sdk-containment';
import type { RotationRun } from './rotation-keywarden';

/** One user's rotation, the way a script would do it: no windows, no approval, no records. */
async function rotateUser(
  endpoint: string,
  iam: IAMClient,
  secrets: SecretsManagerClient,
  userName: string,
): Promise<void> {
  const old = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
  const created = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
  if (!created?.AccessKeyId || !created.SecretAccessKey) throw new Error(`no key returned for ${userName}`);
  await secrets.send(
    new CreateSecretCommand({
      Name: `bench/${userName}`,
      SecretString: JSON.stringify({
        accessKeyId: created.AccessKeyId,
        secretAccessKey: created.SecretAccessKey,
      }),
    }),
  );
  const stored = await secrets.send(new GetSecretValueCommand({ SecretId: `bench/${userName}` }));
  const { accessKeyId, secretAccessKey } = JSON.parse(stored.SecretString ?? '{}') as Record<string, string>;
  const asNewKey = new STSClient({
    endpoint,
    region: BENCH_REGION,
    credentials: { accessKeyId: accessKeyId ?? '', secretAccessKey: secretAccessKey ?? '' },
  });
  try {
    await asNewKey.send(new GetCallerIdentityCommand({}));
  } finally {
    asNewKey.destroy();
  }
  for (const key of old) {
    if (!key.AccessKeyId) continue;
    await iam.send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId, Status: 'Inactive' }),
    );
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }));
  }
}

/**
 * The plain-SDK ceiling for rotation: every seeded user of every member account, 8 users in flight:
 * create a key, store it in Secrets Manager, read it back and sign GetCallerIdentity with it,
 * deactivate and delete the old key.
 */
export async function rotateWithPlainSdk(
  endpoint: string,
  managementAccountId: string,
): Promise<RotationRun> {
  const sts = new STSClient(managementConfig(endpoint));
  const started = performance.now();
  try {
    const accounts = await memberAccountIds(endpoint, managementAccountId);
    const work = accounts.flatMap((accountId) =>
      BENCH_ARCHETYPES.map((a) => ({ accountId, userName: a.UserName })),
    );
    await mapBounded(work, SDK_CONCURRENCY, async ({ accountId, userName }) => {
      const iam = await memberIam(sts, endpoint, accountId);
      const credentials = await iam.config.credentials();
      const secrets = new SecretsManagerClient({
        endpoint,
        region: BENCH_REGION,
        credentials,
        maxAttempts: 3,
      });
      try {
        await rotateUser(endpoint, iam, secrets, userName);
      } finally {
        iam.destroy();
        secrets.destroy();
      }
    });
    return { rotated: work.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    sts.destroy();
  }
}
