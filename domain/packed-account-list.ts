import type { AccountRef } from './inventory';

/**
 * An account list in the shape the listing activity returns it when a workflow asks for it
 * packed: each OU once, each account as `[accountId, name]` or `[accountId, name, ou]` (an index
 * into `ous`). An organization of 10,000 accounts then fits well under the 512 KiB at which
 * Temporal warns about a payload, where a list of objects that repeat their field names and their
 * OU does not.
 */
export interface PackedAccountList {
  packed: 1;
  ous: { ouId?: string; ouName?: string }[];
  accounts: ([string, string] | [string, string, number])[];
}

export function packAccountList(accounts: readonly AccountRef[]): PackedAccountList {
  const ous: PackedAccountList['ous'] = [];
  const ouIndex = new Map<string, number>();
  const packed = accounts.map(({ accountId, name, ouId, ouName }): PackedAccountList['accounts'][number] => {
    if (ouId === undefined && ouName === undefined) return [accountId, name];
    const key = JSON.stringify([ouId ?? null, ouName ?? null]);
    let index = ouIndex.get(key);
    if (index === undefined) {
      index =
        ous.push({ ...(ouId === undefined ? {} : { ouId }), ...(ouName === undefined ? {} : { ouName }) }) -
        1;
      ouIndex.set(key, index);
    }
    return [accountId, name, index];
  });
  return { packed: 1, ous, accounts: packed };
}

/**
 * The accounts of a listing in either shape: a worker that predates packing (during a rolling
 * deploy) ignores the request for it and returns the plain list.
 */
export function unpackAccountList(list: readonly AccountRef[] | PackedAccountList): AccountRef[] {
  if (isPlainList(list)) return [...list];
  return list.accounts.map(([accountId, name, index]) => {
    const ou = index === undefined ? undefined : list.ous[index];
    if (index !== undefined && ou === undefined)
      throw new TypeError(
        `packed account list: account ${accountId} names OU #${index}, which the list lacks`,
      );
    return { accountId, name, ...ou };
  });
}

function isPlainList(list: readonly AccountRef[] | PackedAccountList): list is readonly AccountRef[] {
  return Array.isArray(list);
}
