import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import type { AwsClients } from '../../activities/aws/clients';
import { SdkIamGateway } from '../../activities/aws/iam-gateway';
import { ORG_ACCESS_ROLE } from '../../sandbox/seed-org';

export interface UserSnapshot {
  keys: Array<{ accessKeyId: string; status: string; createDate: string }>;
  tags: Record<string, string>;
  groups: string[];
  inlinePolicies: string[];
  attachedPolicies: string[];
}

export interface AccountSnapshot {
  users: Record<string, UserSnapshot>;
  /** Secret name → its versions (ID and stages), and the access key ID held by AWSCURRENT. */
  secrets: Record<
    string,
    { versions: Array<{ versionId: string; stages: string[] }>; currentAccessKeyId?: string }
  >;
}

export function memberRef(accountId: string) {
  return { accountId, roleName: ORG_ACCESS_ROLE, sessionName: 'keywarden-test-observer' };
}

/** IAM users, keys, tags, groups, policies and secrets of one account, in a stable order, for exact comparison. */
export async function snapshotAccount(aws: AwsClients, accountId: string): Promise<AccountSnapshot> {
  const clients = aws.member(memberRef(accountId));
  const iam = new SdkIamGateway(clients.iam);
  const users: Record<string, UserSnapshot> = {};
  for (const user of (await iam.listUsers()).sort((a, b) => a.userName.localeCompare(b.userName))) {
    const name = user.userName;
    users[name] = {
      keys: (await iam.listAccessKeys(name)).sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId)),
      tags: await iam.listUserTags(name),
      groups: (await iam.listGroupsForUser(name)).sort(),
      inlinePolicies: (await iam.listUserPolicies(name)).sort(),
      attachedPolicies: (await iam.listAttachedUserPolicies(name)).map((p) => p.policyArn).sort(),
    };
  }
  const secrets: AccountSnapshot['secrets'] = {};
  const listed = await clients.secrets.send(new ListSecretsCommand({}));
  for (const secret of (listed.SecretList ?? []).sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''))) {
    const name = secret.Name ?? '';
    const versions = await clients.secrets.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    const current = await currentSecret(aws, accountId, name);
    secrets[name] = {
      versions: (versions.Versions ?? [])
        .map((v) => ({ versionId: v.VersionId ?? '', stages: [...(v.VersionStages ?? [])].sort() }))
        .sort((a, b) => a.versionId.localeCompare(b.versionId)),
      ...(current ? { currentAccessKeyId: current.AccessKeyId } : {}),
    };
  }
  return { users, secrets };
}

/** The stored key of a user's secret. Tests only: it returns the secret, to prove it works and never leaks. */
export async function currentSecret(
  aws: AwsClients,
  accountId: string,
  secretName: string,
): Promise<{ AccessKeyId: string; SecretAccessKey: string } | undefined> {
  try {
    const value = await aws
      .member(memberRef(accountId))
      .secrets.send(new GetSecretValueCommand({ SecretId: secretName, VersionStage: 'AWSCURRENT' }));
    return JSON.parse(value.SecretString ?? '{}') as { AccessKeyId: string; SecretAccessKey: string };
  } catch {
    return undefined;
  }
}

export async function snapshotAccounts(
  aws: AwsClients,
  accountIds: readonly string[],
): Promise<Record<string, AccountSnapshot>> {
  const result: Record<string, AccountSnapshot> = {};
  for (const accountId of accountIds) result[accountId] = await snapshotAccount(aws, accountId);
  return result;
}
