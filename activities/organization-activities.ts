import type { AccountRef } from '../domain/inventory';
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
        return await heartbeatWhile(() => resolveAccountsInScope(gateway, scope));
      } catch (error) {
        throw toActivityFailure(error, 'listing the accounts in scope');
      }
    },
  };
}
