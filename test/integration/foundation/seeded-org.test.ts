import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { memberRef } from '../../support/aws-snapshot';
import { awsClientsFor, freshOrg, testStack } from '../../support/test-stack';

const DAY = 86_400_000;
const days = (iso: string | undefined, now: number) =>
  iso ? Math.round((now - Date.parse(iso)) / DAY) : null;

/** The org as the seed defines it: placement, users, tags, groups, key statuses, ages and last use, without the emulator's IDs. */
async function shapeOf(org: SeededOrg): Promise<unknown> {
  const stack = testStack();
  const aws = awsClientsFor(stack, org);
  const now = Date.now();
  try {
    const accounts = [];
    for (const account of org.accounts) {
      const iam = new SdkIamGateway(aws.member(memberRef(account.accountId)).iam);
      const users = (await iam.inventoryUsers(account.accountId)).sort((a, b) =>
        a.userName.localeCompare(b.userName),
      );
      accounts.push({
        name: account.name,
        ou: account.ouName,
        users: users.map((u) => ({
          userName: u.userName,
          ageDays: days(u.createDate, now),
          tags: u.tags,
          groups: [...u.groups].sort(),
          keys: u.keys
            .map((k) => ({
              status: k.status,
              ageDays: days(k.createDate, now),
              lastUsedDays: days(k.lastUsedDate, now),
            }))
            .sort((a, b) => (b.ageDays ?? 0) - (a.ageDays ?? 0)),
        })),
      });
    }
    return { ous: org.ous.map((o) => o.path), accounts };
  } finally {
    aws.destroy();
  }
}

describe('the seeded organization', () => {
  const stack = testStack();

  test('is the same for the same seed, and differs for another seed', async () => {
    const first = await shapeOf(await freshOrg(stack, { memberAccounts: 4, seed: 7 }));
    const again = await shapeOf(await freshOrg(stack, { memberAccounts: 4, seed: 7 }));
    assert.deepEqual(again, first);
    const other = await shapeOf(await freshOrg(stack, { memberAccounts: 4, seed: 8 }));
    assert.notDeepEqual(other, first);
  });

  test('has the OUs, the requested number of accounts, and keys of realistic ages', async () => {
    const org = await freshOrg(stack, { memberAccounts: 6, seed: 1 });
    assert.deepEqual(
      org.ous.map((o) => o.path),
      ['Root/Prod', 'Root/Dev', 'Root/Sandbox', 'Root/Prod/Payments'],
    );
    assert.equal(org.accounts.length, 6);
    const shape = (await shapeOf(org)) as {
      accounts: Array<{ users: Array<{ userName: string; keys: Array<{ ageDays: number }> }> }>;
    };
    const alice = shape.accounts[0]!.users.find((u) => u.userName === 'alice.ops')!;
    assert.ok(
      alice.keys[0]!.ageDays >= 400 && alice.keys[0]!.ageDays < 410,
      `alice's key is ${alice.keys[0]!.ageDays} days old`,
    );
    const carol = shape.accounts[0]!.users.find((u) => u.userName === 'carol.dev')!;
    assert.ok(carol.keys[0]!.ageDays >= 20 && carol.keys[0]!.ageDays < 30);
    const leavers = shape.accounts.flatMap((a) => a.users.filter((u) => u.userName.startsWith('mallory')));
    assert.equal(leavers.length, 3, 'the leaver is in three accounts');
  });
});
