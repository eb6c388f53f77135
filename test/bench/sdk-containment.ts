import { ListAccessKeysCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { containmentPolicyDocument } from '../../activities/offboarding-policy';
import { CONTAINMENT_POLICY_NAME_DEFAULT } from '../../domain/offboarding-request';
import { LEAVER } from './bench-org';
import { mapBounded } from './bounded';
import { managementConfig, memberIam } from './member-clients';

export const SDK_CONCURRENCY = 8;

/** Every member account of the org (the management account left out), through ListAccounts. */
export async function memberAccountIds(endpoint: string, managementAccountId: string): Promise<string[]> {
  const org = new OrganizationsClient(managementConfig(endpoint));
  try {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await org.send(new ListAccountsCommand({ NextToken: token }));
      for (const account of page.Accounts ?? [])
        if (account.Id && account.Id !== managementAccountId) ids.push(account.Id);
      token = page.NextToken;
    } while (token);
    return ids;
  } finally {
    org.destroy();
  }
}

/**
 * The ceiling: what a script that already knows the leaver's user name does, 8 accounts at a
 * time, with AWS SDK v3: list the accounts, then per account assume the member role, list the
 * leaver's keys, deactivate the Active ones and put the same deny policy keywarden puts.
 */
export async function containWithPlainSdk(endpoint: string, managementAccountId: string): Promise<void> {
  const sts = new STSClient(managementConfig(endpoint));
  try {
    const accounts = await memberAccountIds(endpoint, managementAccountId);
    await mapBounded(accounts, SDK_CONCURRENCY, async (accountId) => {
      const iam = await memberIam(sts, endpoint, accountId);
      try {
        const keys = await iam.send(new ListAccessKeysCommand({ UserName: LEAVER.userName }));
        for (const key of keys.AccessKeyMetadata ?? []) {
          if (key.Status !== 'Active' || !key.AccessKeyId) continue;
          await iam.send(
            new UpdateAccessKeyCommand({
              UserName: LEAVER.userName,
              AccessKeyId: key.AccessKeyId,
              Status: 'Inactive',
            }),
          );
        }
        await iam.send(
          new PutUserPolicyCommand({
            UserName: LEAVER.userName,
            PolicyName: CONTAINMENT_POLICY_NAME_DEFAULT,
            PolicyDocument: containmentPolicyDocument(new Date().toISOString()),
          }),
        );
      } finally {
        iam.destroy();
      }
    });
  } finally {
    sts.destroy();
  }
}
