import { proxyActivities } from '@temporalio/workflow';
import type { AccountRef } from '../domain/inventory';
import type { KeywardenActivities } from '../activities';
import type { AccountScope } from '../activities/aws/account-scope';
import { listAccountsThrough } from './account-listing';

const { listAccountsInScope } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2 },
});

/** The accounts a scope covers, as a campaign would fan out over them. */
export async function orgAccounts(scope: AccountScope): Promise<AccountRef[]> {
  return listAccountsThrough(listAccountsInScope, scope);
}
