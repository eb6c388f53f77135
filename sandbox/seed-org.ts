import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  IAMClient,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DescribeCreateAccountStatusCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { DEFAULT_MEMBER_ROLE_NAME } from '../domain/access';
import { backdate } from './moto-server';
import { USER_ARCHETYPES, type UserArchetype } from './seed-users';

import { EXEMPTION_GROUP_NAME } from './seed-constants';
export const ORG_ACCESS_ROLE = DEFAULT_MEMBER_ROLE_NAME;
const DAY_MS = 86_400_000;

export interface SeedOptions {
  endpoint: string;
  region?: string;
  seed?: number;
  memberAccounts?: number;
  /** The org's creator. moto maps any key it did not issue to its default account, which becomes the management account. */
  bootstrapCredentials?: AwsCredentialIdentity;
  now?: Date;
  /** The users of every member account (default: USER_ARCHETYPES, one per policy case). */
  archetypes?: readonly UserArchetype[];
}

export interface SeededUser {
  accountId: string;
  userName: string;
  archetype: string;
  accessKeyIds: string[];
}

export interface SeededOrg {
  region: string;
  managementAccountId: string;
  /** Keys of an IAM user in the management account: the base credentials of the sandbox's worker. */
  operatorCredentials: { accessKeyId: string; secretAccessKey: string };
  rootId: string;
  ous: Array<{ id: string; name: string; path: string }>;
  accounts: Array<{ accountId: string; name: string; ouName: string }>;
  users: SeededUser[];
}

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same org. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OU_LAYOUT = [
  { name: 'Prod', parent: undefined },
  { name: 'Dev', parent: undefined },
  { name: 'Sandbox', parent: undefined },
  { name: 'Payments', parent: 'Prod' },
] as const;

/** Account i goes to this OU: Prod, Dev, Sandbox, Payments (nested under Prod), then round again. */
const ACCOUNT_OU_CYCLE = ['Prod', 'Dev', 'Sandbox', 'Payments'] as const;

async function createMemberAccount(org: OrganizationsClient, name: string, index: number): Promise<string> {
  const created = await org.send(
    new CreateAccountCommand({
      AccountName: name,
      Email: `aws+${name}-${index}@example.com`,
      RoleName: ORG_ACCESS_ROLE,
    }),
  );
  let status = created.CreateAccountStatus;
  for (let attempt = 0; status?.State === 'IN_PROGRESS' && attempt < 60; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    status = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id })))
      .CreateAccountStatus;
  }
  if (status?.State !== 'SUCCEEDED' || !status.AccountId) {
    throw new Error(
      `account ${name} was not created: ${status?.FailureReason ?? status?.State ?? 'no status'}`,
    );
  }
  return status.AccountId;
}

function memberCredentials(opts: {
  accountId: string;
  base: AwsCredentialIdentity;
  endpoint: string;
  region: string;
}): AwsCredentialIdentityProvider {
  return fromTemporaryCredentials({
    // A copy: the SDK annotates the credentials object it is given.
    masterCredentials: { ...opts.base },
    params: {
      RoleArn: `arn:aws:iam::${opts.accountId}:role/${ORG_ACCESS_ROLE}`,
      RoleSessionName: 'keywarden-seed',
    },
    clientConfig: { endpoint: opts.endpoint, region: opts.region },
  });
}

async function seedUser(
  iam: IAMClient,
  ctx: { endpoint: string; accountId: string; now: Date; random: () => number },
  archetype: UserArchetype,
): Promise<SeededUser> {
  const { UserName: userName } = archetype;
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Tags: Object.entries(archetype.tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  for (const group of archetype.groups) {
    await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: userName }));
  }
  const jitter = Math.floor(ctx.random() * 5);
  const daysAgo = (days: number) => new Date(ctx.now.getTime() - days * DAY_MS).toISOString();
  const oldestKey = Math.max(0, ...archetype.keys.map((k) => k.ageDays + jitter));
  const userAge = archetype.keyCreatedWithUser ? oldestKey : oldestKey + 30 + Math.floor(ctx.random() * 60);
  await backdate(ctx.endpoint, { accountId: ctx.accountId, userName, userCreateDate: daysAgo(userAge) });
  const accessKeyIds: string[] = [];
  for (const key of archetype.keys) {
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const accessKeyId = AccessKey?.AccessKeyId;
    if (!accessKeyId) throw new Error(`no access key returned for ${userName}`);
    accessKeyIds.push(accessKeyId);
    if (key.status === 'Inactive') {
      await iam.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Inactive' }),
      );
    }
    await backdate(ctx.endpoint, {
      accountId: ctx.accountId,
      userName,
      accessKeyId,
      keyCreateDate: daysAgo(key.ageDays + jitter),
      ...(key.lastUsedDaysAgo === undefined
        ? {}
        : { lastUsed: { date: daysAgo(key.lastUsedDaysAgo), service: key.lastUsedService ?? 's3' } }),
    });
  }
  return { accountId: ctx.accountId, userName, archetype: archetype.archetype, accessKeyIds };
}

/**
 * Builds an emulated AWS Organization: a management account, OUs (Prod with Payments nested,
 * Dev, Sandbox), member accounts spread over them, and in each member account IAM users whose
 * keys have realistic ages and last use. The same seed gives the same users, keys, ages and
 * placement; account and key IDs are assigned by the emulator.
 */
export async function seedOrganization(opts: SeedOptions): Promise<SeededOrg> {
  const region = opts.region ?? 'us-east-1';
  const memberCount = opts.memberAccounts ?? 5;
  if (!Number.isInteger(memberCount) || memberCount < 1 || memberCount > 200) {
    throw new Error('memberAccounts must be a whole number from 1 to 200');
  }
  const random = prng(opts.seed ?? 1);
  const now = opts.now ?? new Date();
  const bootstrap = opts.bootstrapCredentials ?? {
    accessKeyId: 'sandbox-bootstrap',
    secretAccessKey: 'sandbox-bootstrap',
  };
  const clientConfig = { endpoint: opts.endpoint, region, credentials: bootstrap, maxAttempts: 3 };
  const org = new OrganizationsClient(clientConfig);
  const managementIam = new IAMClient(clientConfig);
  try {
    const created = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const managementAccountId = created.Organization?.MasterAccountId;
    if (!managementAccountId) throw new Error('the emulator did not return the management account ID');

    await managementIam.send(new CreateUserCommand({ UserName: 'keywarden-operator' }));
    const operatorKey = (
      await managementIam.send(new CreateAccessKeyCommand({ UserName: 'keywarden-operator' }))
    ).AccessKey;
    if (!operatorKey?.AccessKeyId || !operatorKey.SecretAccessKey)
      throw new Error('no operator key returned');
    const operatorCredentials = {
      accessKeyId: operatorKey.AccessKeyId,
      secretAccessKey: operatorKey.SecretAccessKey,
    };

    const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
    if (!rootId) throw new Error('the emulator returned no organization root');
    const ous: SeededOrg['ous'] = [];
    for (const layout of OU_LAYOUT) {
      const parent = layout.parent ? ous.find((o) => o.name === layout.parent) : undefined;
      const result = await org.send(
        new CreateOrganizationalUnitCommand({ ParentId: parent?.id ?? rootId, Name: layout.name }),
      );
      const id = result.OrganizationalUnit?.Id;
      if (!id) throw new Error(`OU ${layout.name} was not created`);
      ous.push({
        id,
        name: layout.name,
        path: parent ? `${parent.path}/${layout.name}` : `Root/${layout.name}`,
      });
    }

    const accounts: SeededOrg['accounts'] = [];
    const users: SeededUser[] = [];
    for (let i = 0; i < memberCount; i++) {
      const ouName = ACCOUNT_OU_CYCLE[i % ACCOUNT_OU_CYCLE.length] ?? 'Sandbox';
      const name = `${ouName.toLowerCase()}-${Math.floor(i / ACCOUNT_OU_CYCLE.length) + 1}`;
      const accountId = await createMemberAccount(org, name, i);
      const ou = ous.find((o) => o.name === ouName);
      if (!ou) throw new Error(`unknown OU ${ouName}`);
      await org.send(
        new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ou.id }),
      );
      accounts.push({ accountId, name, ouName });

      const iam = new IAMClient({
        endpoint: opts.endpoint,
        region,
        credentials: memberCredentials({
          accountId,
          base: operatorCredentials,
          endpoint: opts.endpoint,
          region,
        }),
      });
      try {
        await iam.send(new CreateGroupCommand({ GroupName: EXEMPTION_GROUP_NAME }));
        await iam.send(new CreateGroupCommand({ GroupName: 'developers' }));
        for (const archetype of (opts.archetypes ?? USER_ARCHETYPES).filter((a) => a.inAccount(i))) {
          users.push(await seedUser(iam, { endpoint: opts.endpoint, accountId, now, random }, archetype));
        }
      } finally {
        iam.destroy();
      }
    }
    return { region, managementAccountId, operatorCredentials, rootId, ous, accounts, users };
  } finally {
    org.destroy();
    managementIam.destroy();
  }
}
