import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { AccountRef } from '../../../domain/inventory';
import { resolveAccountsInScope, type AccountScope } from '../../../activities/aws/account-scope';
import type {
  OrgAccount,
  OrganizationsGateway,
  OrgRoot,
  OrgUnit,
} from '../../../activities/aws/organizations-gateway';

// Root ─┬─ Prod (ou-root-prod00001) ── Payments (ou-root-paym00001)
//       ├─ Dev  (ou-root-dev000001) ── Web (ou-root-web000001)
//       └─ Sandbox (ou-root-sand00001) ── Web (ou-root-web000002)   (a second "Web")
const ROOT = 'r-root';
const ous: OrgUnit[] = [
  { id: 'ou-root-prod00001', name: 'Prod', parentId: ROOT, path: 'Root/Prod' },
  { id: 'ou-root-dev000001', name: 'Dev', parentId: ROOT, path: 'Root/Dev' },
  { id: 'ou-root-sand00001', name: 'Sandbox', parentId: ROOT, path: 'Root/Sandbox' },
  { id: 'ou-root-paym00001', name: 'Payments', parentId: 'ou-root-prod00001', path: 'Root/Prod/Payments' },
  { id: 'ou-root-web000001', name: 'Web', parentId: 'ou-root-dev000001', path: 'Root/Dev/Web' },
  { id: 'ou-root-web000002', name: 'Web', parentId: 'ou-root-sand00001', path: 'Root/Sandbox/Web' },
];
const placement: Array<[string, string, string]> = [
  ['000000000001', ROOT, 'ACTIVE'], // management
  ['000000000010', 'ou-root-prod00001', 'ACTIVE'],
  ['000000000011', 'ou-root-paym00001', 'ACTIVE'],
  ['000000000012', 'ou-root-paym00001', 'SUSPENDED'],
  ['000000000020', 'ou-root-dev000001', 'ACTIVE'],
  ['000000000021', 'ou-root-web000001', 'ACTIVE'],
  ['000000000030', 'ou-root-sand00001', 'CLOSED'],
  ['000000000031', 'ou-root-web000002', 'ACTIVE'],
];
const nameOf = (id: string) => (id === ROOT ? 'Root' : (ous.find((o) => o.id === id)?.name ?? '?'));

class FakeOrganizations implements OrganizationsGateway {
  listAccounts(): Promise<OrgAccount[]> {
    return Promise.resolve(
      placement.map(([accountId, , state]) => ({ accountId, name: `acct-${accountId}`, state })),
    );
  }
  async listActiveAccounts(): Promise<AccountRef[]> {
    return (await this.listAccounts()).filter((a) => a.state === 'ACTIVE');
  }
  listRoots(): Promise<OrgRoot[]> {
    return Promise.resolve([{ id: ROOT, name: 'Root' }]);
  }
  listOusRecursive(): Promise<OrgUnit[]> {
    return Promise.resolve(ous);
  }
  listAccountsUnder(id: string, recursive: boolean): Promise<AccountRef[]> {
    assert.equal(recursive, false);
    return Promise.resolve(
      placement
        .filter(([, parent, state]) => parent === id && state === 'ACTIVE')
        .map(([accountId]) => ({ accountId, name: `acct-${accountId}`, ouId: id, ouName: nameOf(id) })),
    );
  }
}

const none: AccountScope = {
  allAccounts: false,
  includeOus: [],
  excludeOus: [],
  includeAccounts: [],
  excludeAccounts: [],
};
const ids = async (scope: Partial<AccountScope>) =>
  (await resolveAccountsInScope(new FakeOrganizations(), { ...none, ...scope })).map((a) => a.accountId);

function invalidSpec(pattern: RegExp) {
  return (err: unknown) =>
    err instanceof ApplicationFailure &&
    err.nonRetryable &&
    err.type === 'InvalidSpec' &&
    pattern.test(err.message);
}

describe('resolveAccountsInScope', () => {
  test('all accounts: ACTIVE only, sorted, annotated with the direct parent', async () => {
    const accounts = await resolveAccountsInScope(new FakeOrganizations(), { ...none, allAccounts: true });
    assert.deepEqual(
      accounts.map((a) => a.accountId),
      ['000000000001', '000000000010', '000000000011', '000000000020', '000000000021', '000000000031'],
    );
    assert.deepEqual(
      accounts.find((a) => a.accountId === '000000000011'),
      {
        accountId: '000000000011',
        name: 'acct-000000000011',
        ouId: 'ou-root-paym00001',
        ouName: 'Payments',
      },
    );
    assert.equal(accounts[0]?.ouId, ROOT);
  });

  test('an included OU covers its children, by name, by ID and by path', async () => {
    const expected = ['000000000010', '000000000011'];
    assert.deepEqual(await ids({ includeOus: ['Prod'] }), expected);
    assert.deepEqual(await ids({ includeOus: ['ou-root-prod00001'] }), expected);
    assert.deepEqual(await ids({ includeOus: ['Root/Prod'] }), expected);
  });

  test('exclusions win, recursively, and accounts are listed once', async () => {
    assert.deepEqual(await ids({ allAccounts: true, excludeOus: ['Prod', 'Dev'] }), [
      '000000000001',
      '000000000031',
    ]);
    assert.deepEqual(await ids({ includeOus: ['Prod', 'Payments'], includeAccounts: ['000000000011'] }), [
      '000000000010',
      '000000000011',
    ]);
    assert.deepEqual(await ids({ includeOus: ['Prod'], excludeOus: ['Payments'] }), ['000000000010']);
    assert.deepEqual(await ids({ includeOus: ['Prod'], excludeAccounts: ['000000000010'] }), [
      '000000000011',
    ]);
  });

  test('included accounts must be ACTIVE members; a suspended member is left out', async () => {
    assert.deepEqual(await ids({ includeAccounts: ['000000000021', '000000000012'] }), ['000000000021']);
    await assert.rejects(
      ids({ includeAccounts: ['999999999999'] }),
      invalidSpec(/999999999999.*not a member/),
    );
  });

  test('an unknown OU name is a clear non-retryable error listing the known names', async () => {
    await assert.rejects(
      ids({ includeOus: ['Prd'] }),
      invalidSpec(/includeOus: no OU is named "Prd".*"Dev", "Payments", "Prod", "Root", "Sandbox", "Web"/),
    );
    await assert.rejects(
      ids({ allAccounts: true, excludeOus: ['ou-root-nope00001'] }),
      invalidSpec(/excludeOus: OU "ou-root-nope00001" is not in/),
    );
  });

  test('an ambiguous OU name is an error naming both; a path disambiguates', async () => {
    await assert.rejects(
      ids({ includeOus: ['Web'] }),
      invalidSpec(
        /ambiguous: ou-root-web000001 \(Root\/Dev\/Web\), ou-root-web000002 \(Root\/Sandbox\/Web\)/,
      ),
    );
    assert.deepEqual(await ids({ includeOus: ['Root/Sandbox/Web'] }), ['000000000031']);
  });
});
