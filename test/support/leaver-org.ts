import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { mapWithConcurrency } from '../../activities/aws/iam-gateway';
import { ORG_ACCESS_ROLE } from '../../sandbox/seed-org';

export const LEAVER_EMAIL = 'mallory@example.com';
/** The leaver and four colleagues, each with one Active key, in every member account. */
const USERS = [
  { userName: 'mallory', email: LEAVER_EMAIL },
  { userName: 'alice.ops', email: 'alice@example.com' },
  { userName: 'bob.dev', email: 'bob@example.com' },
  { userName: 'carol.dev', email: 'carol@example.com' },
  { userName: 'build-bot', email: undefined },
];

export interface LeaverOrg {
  managementAccountId: string;
  operatorCredentials: { accessKeyId: string; secretAccessKey: string };
  accountIds: string[];
  leaverEmail: string;
}

/**
 * The benchmark's organization for containing one leaver: N member accounts, each with the
 * leaver (tagged `email=mallory@example.com`) and four other users, every one holding a key.
 * Smaller than the sandbox's cast, and seeded accounts in parallel, so 100 accounts take seconds.
 */
export async function seedLeaverOrg(opts: { endpoint: string; memberAccounts: number }): Promise<LeaverOrg> {
  const region = 'us-east-1';
  const bootstrap = { accessKeyId: 'sandbox-bootstrap', secretAccessKey: 'sandbox-bootstrap' };
  const config = { endpoint: opts.endpoint, region, credentials: bootstrap, maxAttempts: 5 };
  const org = new OrganizationsClient(config);
  const managementIam = new IAMClient(config);
  try {
    const created = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const managementAccountId = created.Organization?.MasterAccountId;
    if (!managementAccountId) throw new Error('the emulator did not return the management account ID');
    await managementIam.send(new CreateUserCommand({ UserName: 'keywarden-operator' }));
    const key = (await managementIam.send(new CreateAccessKeyCommand({ UserName: 'keywarden-operator' })))
      .AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('no operator key returned');
    const operatorCredentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };

    const indexes = Array.from({ length: opts.memberAccounts }, (_, i) => i);
    const accountIds = await mapWithConcurrency(indexes, 8, async (i) => {
      const name = `member-${i + 1}`;
      const started = await org.send(
        new CreateAccountCommand({
          AccountName: name,
          Email: `aws+${name}@example.com`,
          RoleName: ORG_ACCESS_ROLE,
        }),
      );
      let status = started.CreateAccountStatus;
      for (let poll = 0; status?.State === 'IN_PROGRESS' && poll < 60; poll++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        status = (
          await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id }))
        ).CreateAccountStatus;
      }
      const accountId = status?.AccountId;
      if (status?.State !== 'SUCCEEDED' || !accountId) throw new Error(`account ${name} was not created`);
      const iam = new IAMClient({
        endpoint: opts.endpoint,
        region,
        maxAttempts: 5,
        credentials: fromTemporaryCredentials({
          masterCredentials: { ...operatorCredentials },
          params: { RoleArn: `arn:aws:iam::${accountId}:role/${ORG_ACCESS_ROLE}`, RoleSessionName: 'seed' },
          clientConfig: { endpoint: opts.endpoint, region },
        }),
      });
      try {
        for (const user of USERS) {
          await iam.send(
            new CreateUserCommand({
              UserName: user.userName,
              Tags: user.email === undefined ? [] : [{ Key: 'email', Value: user.email }],
            }),
          );
          await iam.send(new CreateAccessKeyCommand({ UserName: user.userName }));
        }
      } finally {
        iam.destroy();
      }
      return accountId;
    });
    return { managementAccountId, operatorCredentials, accountIds, leaverEmail: LEAVER_EMAIL };
  } finally {
    org.destroy();
    managementIam.destroy();
  }
}
