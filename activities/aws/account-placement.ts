import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { AccountPlacement } from '../../domain/key-lookup';
import { isAwsError } from './errors';

/** OUs are rarely nested deeper than this; AWS allows five levels. */
const MAX_DEPTH = 10;

/**
 * An account's name, state and OU path, read from the management account: DescribeAccount,
 * then ListParents up to the root, naming each OU on the way. An account outside the
 * organization gives its ID alone.
 */
export async function describeAccountPlacement(
  client: OrganizationsClient,
  accountId: string,
): Promise<AccountPlacement> {
  let described;
  try {
    described = await client.send(new DescribeAccountCommand({ AccountId: accountId }));
  } catch (error) {
    if (isAwsError(error, 'AccountNotFoundException')) return { accountId };
    throw error;
  }
  const account = described.Account;
  const placement: AccountPlacement = { accountId };
  if (account?.Name !== undefined) placement.name = account.Name;
  const state = account?.State ?? account?.Status;
  if (state !== undefined) placement.state = state;

  const names: string[] = [];
  let child = accountId;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const parent = (await client.send(new ListParentsCommand({ ChildId: child }))).Parents?.[0];
    if (parent?.Id === undefined) break;
    if (parent.Type === 'ROOT') {
      const roots = (await client.send(new ListRootsCommand({}))).Roots ?? [];
      names.unshift(roots.find((r) => r.Id === parent.Id)?.Name ?? 'Root');
      break;
    }
    const ou = await client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: parent.Id }));
    names.unshift(ou.OrganizationalUnit?.Name ?? parent.Id);
    child = parent.Id;
  }
  if (names.length > 0) placement.ouPath = names.join('/');
  return placement;
}
