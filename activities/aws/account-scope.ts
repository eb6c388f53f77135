import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';
import type { AccountRef } from '../../domain/inventory';
import type { OrganizationsGateway, OrgRoot, OrgUnit } from './organizations-gateway';

/** Which accounts a campaign covers. OU references are IDs (ou-..., r-...), names, or name paths ('Root/Prod'). */
export interface AccountScope {
  allAccounts: boolean;
  includeOus: string[];
  excludeOus: string[];
  includeAccounts: string[];
  excludeAccounts: string[];
}

const OU_OR_ROOT_ID = /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$/;
const MAX_LISTED_NAMES = 50;

interface OrgNode {
  id: string;
  name: string;
  path: string;
  parentId?: string;
}

function invalidScope(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorType.InvalidSpec);
}

function knownNames(nodes: readonly OrgNode[]): string {
  const names = [...new Set(nodes.map((n) => n.name))].sort();
  const shown = names.slice(0, MAX_LISTED_NAMES).map((n) => JSON.stringify(n));
  return names.length > MAX_LISTED_NAMES
    ? `${shown.join(', ')}, ... (${names.length} in all)`
    : shown.join(', ');
}

/** Resolves one OU reference to a node ID, or throws a non-retryable InvalidSpec failure. */
export function resolveOuRef(ref: string, nodes: readonly OrgNode[], field: string): string {
  const trimmed = ref.trim();
  if (OU_OR_ROOT_ID.test(trimmed)) {
    if (nodes.some((n) => n.id === trimmed)) return trimmed;
    throw invalidScope(
      `${field}: OU ${JSON.stringify(ref)} is not in this organization. Known OU names: ${knownNames(nodes)}`,
    );
  }
  const byPath = trimmed.includes('/');
  const matches = nodes.filter((n) => (byPath ? n.path === trimmed : n.name === trimmed));
  const [only, ...others] = matches;
  if (only === undefined) {
    throw invalidScope(
      `${field}: no OU is named ${JSON.stringify(ref)} (names are exact and case-sensitive). Known OU names: ${knownNames(nodes)}`,
    );
  }
  if (others.length > 0) {
    const where = matches.map((n) => `${n.id} (${n.path})`).join(', ');
    throw invalidScope(
      `${field}: OU name ${JSON.stringify(ref)} is ambiguous: ${where}. Use an OU ID or a path instead`,
    );
  }
  return only.id;
}

function subtree(rootIds: Iterable<string>, nodes: readonly OrgNode[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const node of nodes) {
    if (node.parentId === undefined) continue;
    const list = children.get(node.parentId) ?? [];
    list.push(node.id);
    children.set(node.parentId, list);
  }
  const result = new Set<string>();
  const stack = [...rootIds];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (result.has(id)) continue;
    result.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return result;
}

function toNodes(roots: readonly OrgRoot[], ous: readonly OrgUnit[]): OrgNode[] {
  return [...roots.map((r) => ({ id: r.id, name: r.name, path: r.name })), ...ous];
}

/**
 * The ACTIVE accounts a scope selects, sorted by account ID, each once, annotated with the
 * OU (or root) it sits directly under. OU include/exclude covers child OUs too; exclusions
 * win over inclusions. Unknown or ambiguous OUs, and included accounts that are not members
 * of the organization, are non-retryable InvalidSpec failures.
 */
export async function resolveAccountsInScope(
  gw: OrganizationsGateway,
  scope: AccountScope,
): Promise<AccountRef[]> {
  const accounts = await gw.listAccounts();
  const roots = await gw.listRoots();
  const ous = await gw.listOusRecursive();
  const nodes = toNodes(roots, ous);

  const includeIds = scope.includeOus.map((ref) => resolveOuRef(ref, nodes, 'scope.includeOus'));
  const excludeIds = scope.excludeOus.map((ref) => resolveOuRef(ref, nodes, 'scope.excludeOus'));

  const members = new Map(accounts.map((a) => [a.accountId, a]));
  const unknown = scope.includeAccounts.filter((id) => !members.has(id.trim()));
  if (unknown.length > 0) {
    throw invalidScope(
      `scope.includeAccounts: ${unknown.map((id) => JSON.stringify(id)).join(', ')} ` +
        `${unknown.length === 1 ? 'is not a member' : 'are not members'} of this organization`,
    );
  }

  // Where every ACTIVE account sits: one ListAccountsForParent per root and OU.
  const placed = new Map<string, AccountRef>();
  for (const node of nodes) {
    for (const ref of await gw.listAccountsUnder(node.id, false)) placed.set(ref.accountId, ref);
  }
  for (const account of accounts) {
    if (account.state === 'ACTIVE' && !placed.has(account.accountId)) {
      const { state: _state, ...ref } = account;
      placed.set(account.accountId, ref);
    }
  }

  const included = subtree(includeIds, nodes);
  const excluded = subtree(excludeIds, nodes);
  const includeAccounts = new Set(scope.includeAccounts.map((id) => id.trim()));
  const excludeAccounts = new Set(scope.excludeAccounts.map((id) => id.trim()));

  const selected = [...placed.values()].filter((ref) => {
    if (excludeAccounts.has(ref.accountId)) return false;
    if (ref.ouId !== undefined && excluded.has(ref.ouId)) return false;
    return (
      scope.allAccounts ||
      includeAccounts.has(ref.accountId) ||
      (ref.ouId !== undefined && included.has(ref.ouId))
    );
  });
  return selected.sort((a, b) => a.accountId.localeCompare(b.accountId));
}
