import {
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { BENCH_ARCHETYPES, LEAVER } from './bench-org';
import { mapBounded } from './bounded';
import { C7N_DENY_POLICY_NAME } from './c7n-containment';
import { managementConfig, memberIam } from './member-clients';
import { memberAccountIds } from './sdk-containment';

export interface ContainmentCheck {
  accounts: number;
  /** Accounts whose leaver holds no Active key and carries a deny policy (inline or attached). */
  contained: number;
  /** Accounts where that does not hold, with what is missing. */
  notContained: Array<{ accountId: string; missing: string }>;
  /** Other users' keys a tool turned off: containment must touch the leaver only. */
  bystandersTouched: number;
}

const BYSTANDERS = BENCH_ARCHETYPES.map((a) => a.UserName).filter((name) => name !== LEAVER.userName);

async function activeKeys(iam: IAMClient, userName: string): Promise<number> {
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return (keys.AccessKeyMetadata ?? []).filter((k) => k.Status === 'Active').length;
}

/** Reads every member account straight from the emulator, after a tool said it was done. */
export async function verifyContainment(
  endpoint: string,
  managementAccountId: string,
): Promise<ContainmentCheck> {
  const sts = new STSClient(managementConfig(endpoint));
  try {
    const accounts = await memberAccountIds(endpoint, managementAccountId);
    const checks = await mapBounded(accounts, 8, async (accountId) => {
      const iam = await memberIam(sts, endpoint, accountId);
      try {
        const missing: string[] = [];
        if ((await activeKeys(iam, LEAVER.userName)) > 0) missing.push('an Active key');
        const inline = await iam.send(new ListUserPoliciesCommand({ UserName: LEAVER.userName }));
        const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: LEAVER.userName }));
        const denies =
          (inline.PolicyNames ?? []).length > 0 ||
          (attached.AttachedPolicies ?? []).some((p) => p.PolicyName === C7N_DENY_POLICY_NAME);
        if (!denies) missing.push('no deny policy');
        let touched = 0;
        for (const userName of BYSTANDERS) if ((await activeKeys(iam, userName)) === 0) touched++;
        return { accountId, missing: missing.join(', '), touched };
      } finally {
        iam.destroy();
      }
    });
    return {
      accounts: accounts.length,
      contained: checks.filter((c) => c.missing === '').length,
      notContained: checks
        .filter((c) => c.missing !== '')
        .map(({ accountId, missing }) => ({ accountId, missing })),
      bystandersTouched: checks.reduce((sum, c) => sum + c.touched, 0),
    };
  } finally {
    sts.destroy();
  }
}
