import type { AccountRef } from '../domain/inventory';
import { packAccountList, type PackedAccountList } from '../domain/packed-account-list';
import { assertAccountListFits } from './account-list-size';
import { resolveAccountsInScope, type AccountScope } from './aws/account-scope';
import { toActivityFailure } from './aws/errors';
import { SdkOrganizationsGateway } from './aws/organizations-gateway';
import type { ActivityDeps } from './deps';
import { heartbeatWhile } from './heartbeat-while';

export interface AccountListOptions {
  /** Return the list packed (domain/packed-account-list), as workflows since packing ask. */
  packed?: boolean;
}

/**
 * The listing as the workflow asked for it. The limit stays on the list as objects even when it is
 * sent packed: the workflow holds and passes it on in that form (a campaign's continue-as-new input
 * carries the accounts not yet started), so packing removes the size warning on the listing without
 * letting in an organization that a later payload could not carry.
 */
export function accountListAnswer(
  accounts: AccountRef[],
  options: AccountListOptions | undefined,
): AccountRef[] | PackedAccountList {
  assertAccountListFits(accounts);
  return options?.packed === true ? packAccountList(accounts) : accounts;
}

export function createOrganizationActivities(deps: ActivityDeps) {
  return {
    /** The ACTIVE accounts of the organization that the scope covers, sorted by account ID. */
    async listAccountsInScope(
      scope: AccountScope,
      options?: AccountListOptions,
    ): Promise<AccountRef[] | PackedAccountList> {
      const gateway = new SdkOrganizationsGateway(deps.aws.management().organizations);
      try {
        const accounts = await heartbeatWhile(() => resolveAccountsInScope(gateway, scope));
        return accountListAnswer(accounts, options);
      } catch (error) {
        throw toActivityFailure(error, 'listing the accounts in scope');
      }
    },
  };
}
