import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../activities/aws/clients';
import { SdkIamGateway, type IamGateway } from '../../activities/aws/iam-gateway';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../domain/access';

/** Everything IAM says about a user, read through the API, in a stable order for exact comparison. */
export interface UserSnapshot {
  tags: Record<string, string>;
  keys: Array<{ accessKeyId: string; status: string; createDate: string }>;
  loginProfile: boolean;
  /** Inline policy name → document. */
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
  groups: string[];
  mfaDevices: string[];
  sshPublicKeys: Array<{ id: string; status: string }>;
  signingCertificates: Array<{ id: string; status: string }>;
}

/** accountId → userName → the user's snapshot. */
export type IamSnapshot = Record<string, Record<string, UserSnapshot>>;

export interface AccountSnapshot {
  users: Record<string, UserSnapshot>;
  /** Secret name → its versions (ID and stages), and the access key ID held by AWSCURRENT. */
  secrets: Record<
    string,
    { versions: Array<{ versionId: string; stages: string[] }>; currentAccessKeyId?: string }
  >;
}

/** How tests reach a member account: the org access role, under a session name of their own. */
export function memberRef(accountId: string) {
  return { accountId, roleName: DEFAULT_MEMBER_ROLE_NAME, sessionName: 'keywarden-test-observer' };
}

export function memberIam(aws: AwsClients, accountId: string): IAMClient {
  return aws.member(memberRef(accountId)).iam;
}

export async function snapshotUser(iam: IamGateway, userName: string): Promise<UserSnapshot> {
  const inlinePolicies: Record<string, string> = {};
  for (const name of (await iam.listUserPolicies(userName)).sort()) {
    inlinePolicies[name] = (await iam.getUserPolicy(userName, name)) ?? '';
  }
  return {
    tags: await iam.listUserTags(userName),
    keys: (await iam.listAccessKeys(userName))
      .map(({ accessKeyId, status, createDate }) => ({ accessKeyId, status, createDate }))
      .sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId)),
    loginProfile: (await iam.getLoginProfile(userName)) !== undefined,
    inlinePolicies,
    attachedPolicies: (await iam.listAttachedUserPolicies(userName)).map((p) => p.policyArn).sort(),
    groups: (await iam.listGroupsForUser(userName)).sort(),
    mfaDevices: (await iam.listMfaDevices(userName)).map((d) => d.serialNumber).sort(),
    sshPublicKeys: (await iam.listSshPublicKeys(userName)).map(({ id, status }) => ({ id, status })),
    signingCertificates: (await iam.listSigningCertificates(userName)).map(({ id, status }) => ({
      id,
      status,
    })),
  };
}

export async function snapshotUsers(
  aws: AwsClients,
  accountId: string,
): Promise<Record<string, UserSnapshot>> {
  const iam = new SdkIamGateway(memberIam(aws, accountId));
  const users: Record<string, UserSnapshot> = {};
  for (const user of (await iam.listUsers()).sort((a, b) => a.userName.localeCompare(b.userName))) {
    users[user.userName] = await snapshotUser(iam, user.userName);
  }
  return users;
}

export async function snapshotIam(aws: AwsClients, accountIds: readonly string[]): Promise<IamSnapshot> {
  const snapshot: IamSnapshot = {};
  for (const accountId of accountIds) snapshot[accountId] = await snapshotUsers(aws, accountId);
  return snapshot;
}

/** IAM users and the account's secrets (versions and which key AWSCURRENT holds). */
export async function snapshotAccount(aws: AwsClients, accountId: string): Promise<AccountSnapshot> {
  const secretsClient = aws.member(memberRef(accountId)).secrets;
  const secrets: AccountSnapshot['secrets'] = {};
  const listed = await secretsClient.send(new ListSecretsCommand({}));
  for (const secret of (listed.SecretList ?? []).sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''))) {
    const name = secret.Name ?? '';
    const versions = await secretsClient.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    const current = await currentSecret(aws, accountId, name);
    secrets[name] = {
      versions: (versions.Versions ?? [])
        .map((v) => ({ versionId: v.VersionId ?? '', stages: [...(v.VersionStages ?? [])].sort() }))
        .sort((a, b) => a.versionId.localeCompare(b.versionId)),
      ...(current ? { currentAccessKeyId: current.AccessKeyId } : {}),
    };
  }
  return { users: await snapshotUsers(aws, accountId), secrets };
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
