import type { AccountRef } from '../domain/inventory';
import { assertAccountListFits } from './account-list-size';
import { resolveAccountsInScope, type AccountScope } from './aws/account-scope';
import { toActivityFailure } from './aws/errors';
import { SdkOrganizationsGateway } from './aws/organizations-gateway';
import type { ActivityDeps } from './deps';
import { heartbeatWhile } from './heartbeat-while';

export function createOrganizationActivities(deps: ActivityDeps) {
  return {
    /** The ACTIVE accounts of the organization that the scope covers, sorted by account ID. */
    async listAccountsInScope(scope: AccountScope): Promise<AccountRef[]> {
      const gateway = new SdkOrganizationsGateway(deps.aws.management().organizations);
      try {
        const accounts = await heartbeatWhile(() => resolveAccountsInScope(gateway, scope));
        assertAccountListFits(accounts);
        return accounts;
      } catch (error) {
        throw toActivityFailure(error, 'listing the accounts in scope');
      }
    },
  };
}
