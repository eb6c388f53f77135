import { patched } from '@temporalio/workflow';
import type { AccountRef } from '../domain/inventory';
import { unpackAccountList } from '../domain/packed-account-list';
import type { KeywardenActivities } from '../activities';
import type { AccountScope } from '../activities/aws/account-scope';

/** Runs from here on ask for the account list packed: about half the payload of a large org. */
export const PACKED_ACCOUNT_LIST = 'packed-account-list';

/**
 * The accounts a scope covers, through the caller's activity stub (each workflow keeps its own
 * timeouts and retries): packed in runs that began after packing, as before in older ones.
 */
export async function listAccountsThrough(
  list: KeywardenActivities['listAccountsInScope'],
  scope: AccountScope,
): Promise<AccountRef[]> {
  return unpackAccountList(
    patched(PACKED_ACCOUNT_LIST) ? await list(scope, { packed: true }) : await list(scope),
  );
}
