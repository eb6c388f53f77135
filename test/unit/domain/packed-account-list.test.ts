import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountRef } from '../../../domain/inventory';
import {
  packAccountList,
  unpackAccountList,
  type PackedAccountList,
} from '../../../domain/packed-account-list';

const listed: AccountRef[] = [
  { accountId: '111111111111', name: 'payments', ouId: 'ou-ab12-prod0001', ouName: 'Prod' },
  { accountId: '222222222222', name: 'ledger', ouId: 'ou-ab12-prod0001', ouName: 'Prod' },
  { accountId: '333333333333', name: 'sandbox' },
  { accountId: '444444444444', name: 'root-level', ouId: 'r-ab12' },
  { accountId: '555555555555', name: 'analytics', ouId: 'ou-ab12-data0001', ouName: 'Data' },
];

describe('a packed account list', () => {
  test('names each OU once and gives back exactly the accounts it was made from, in order', () => {
    const packed = packAccountList(listed);
    assert.deepEqual(packed.ous, [
      { ouId: 'ou-ab12-prod0001', ouName: 'Prod' },
      { ouId: 'r-ab12' },
      { ouId: 'ou-ab12-data0001', ouName: 'Data' },
    ]);
    assert.deepEqual(packed.accounts, [
      ['111111111111', 'payments', 0],
      ['222222222222', 'ledger', 0],
      ['333333333333', 'sandbox'],
      ['444444444444', 'root-level', 1],
      ['555555555555', 'analytics', 2],
    ]);
    // Through JSON, as the payload carries it.
    assert.deepEqual(unpackAccountList(JSON.parse(JSON.stringify(packed)) as PackedAccountList), listed);
  });

  test('a plain list, from a worker that predates packing, is taken as it is', () => {
    assert.deepEqual(unpackAccountList(listed), listed);
    assert.deepEqual(unpackAccountList([]), []);
    assert.deepEqual(unpackAccountList(packAccountList([])), []);
  });

  test('an account that points at an OU the list lacks is an error, not an account without an OU', () => {
    const broken: PackedAccountList = { packed: 1, ous: [], accounts: [['111111111111', 'payments', 0]] };
    assert.throws(() => unpackAccountList(broken), /account 111111111111 names OU #0, which the list lacks/);
  });
});
