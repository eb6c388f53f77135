import { ListAccessKeysCommand, ListUserPoliciesCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../../activities/aws/clients';
import { memberIam } from '../aws-snapshot';
import type { UserRef } from './invariant-checker';

/** The inline policy offboarding puts on a leaver it contains. */
const DENY_POLICY = 'keywarden-offboarding-deny-all';

export interface OffboardingOutcome {
  purged: number;
  contained: number;
  violations: string[];
}

/**
 * After an offboarding, straight from the emulator: each matched user is gone (purged), or holds
 * the deny policy with every key inactive (contained). Anything in between is a half-restored
 * user, and a violation.
 */
export async function checkOffboarded(
  aws: AwsClients,
  matched: readonly UserRef[],
): Promise<OffboardingOutcome> {
  const outcome: OffboardingOutcome = { purged: 0, contained: 0, violations: [] };
  for (const { accountId, userName } of matched) {
    const iam = memberIam(aws, accountId);
    try {
      const policies = await iam.send(new ListUserPoliciesCommand({ UserName: userName }));
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
      const active = (keys.AccessKeyMetadata ?? []).filter((k) => k.Status === 'Active');
      const denied = (policies.PolicyNames ?? []).includes(DENY_POLICY);
      if (denied && active.length === 0) outcome.contained++;
      else {
        outcome.violations.push(
          `${accountId}/${userName} is neither purged nor contained: deny policy ${denied ? 'present' : 'absent'}, ${active.length} Active key(s)`,
        );
      }
    } catch (error) {
      if (!(error instanceof NoSuchEntityException)) throw error;
      outcome.purged++;
    }
  }
  return outcome;
}
