import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { MockActivityEnvironment } from '@temporalio/testing';
import { AwsClients, type ObservedCommand } from '../../../activities/aws/clients';
import { DEFAULT_MEMBER_ROLE_NAME, type MemberRoleRef } from '../../../activities/aws/credentials';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import {
  compareUserNames,
  createInventoryActivities,
  type InventoryPage,
  type InventoryPageInput,
  type InventoryPageProgress,
} from '../../../activities/inventory-activities';
import type { UserFacts } from '../../../domain/inventory';
import { roleSessionName } from '../../../domain/session-name';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { freshOrg, testStack } from '../../support/test-stack';

const MAX_USERS = 7;

interface PlannedUser {
  userName: string;
  path?: string;
  keys: Array<'Active' | 'Inactive'>;
}

/**
 * The users this test adds to the seeded member account (which already holds the sandbox's cast):
 * some without keys, some with one or two, one whose only key is inactive, and names that sort
 * differently by code unit than by locale. IAM allows commas in names and paths; the emulator
 * writes them into the credential report unquoted.
 */
function plannedUsers(): PlannedUser[] {
  const users: PlannedUser[] = [];
  for (let i = 0; i < 40; i++) {
    const keys: Array<'Active' | 'Inactive'> =
      i % 4 === 0 ? [] : i % 4 === 2 ? ['Active', 'Active'] : ['Active'];
    users.push({ userName: `inv-${String(i).padStart(2, '0')}`, keys });
  }
  users.push(
    { userName: 'Inv-Upper', keys: ['Active'] },
    { userName: 'ZED', keys: [] },
    { userName: 'inv.dot', keys: ['Active', 'Active'] },
    { userName: 'inv_under', keys: [] },
    { userName: 'inv+plus', keys: ['Active'] },
    { userName: 'inv=eq', keys: [] },
    { userName: 'inv@at', keys: ['Active'] },
    { userName: 'inv,comma', keys: ['Active'] },
    { userName: 'inv-path', path: '/team,eu/', keys: ['Inactive', 'Active'] },
    { userName: 'inv-inactive', keys: ['Inactive'] },
  );
  return users;
}

describe('inventoryPage against the AWS emulator', () => {
  const stack = testStack();
  let org: SeededOrg;
  let accountId: string;
  let target: MemberRoleRef;
  /** Every command the activities' AWS clients sent, by name and user. */
  const observed: ObservedCommand[] = [];
  const clients: AwsClients[] = [];

  const newClients = (onCommand?: (call: ObservedCommand) => void): AwsClients => {
    const { accessKeyId, secretAccessKey } = org.operatorCredentials;
    const aws = new AwsClients(
      {
        region: org.region,
        endpoint: stack.awsEndpoint,
        baseCredentials: () => Promise.resolve({ accessKeyId, secretAccessKey }),
      },
      undefined,
      onCommand === undefined ? {} : { onCommand: (_service, _name, call) => onCommand(call) },
    );
    clients.push(aws);
    return aws;
  };
  const memberIam = (aws: AwsClients): IAMClient => aws.member(target).iam;

  const runPage = (
    aws: AwsClients,
    input: Omit<InventoryPageInput, 'target'>,
    env = new MockActivityEnvironment(),
  ): Promise<InventoryPage> =>
    env.run<[InventoryPageInput], InventoryPage, (i: InventoryPageInput) => Promise<InventoryPage>>(
      (i) => createInventoryActivities({ aws }).inventoryPage(i),
      { target, ...input },
    );

  /** The truth, asked user by user: every user of the account and their keys. */
  let truth: Map<string, Array<{ accessKeyId: string; status: string }>>;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    const member = org.accounts[0];
    assert.ok(member, 'the seed has a member account');
    accountId = member.accountId;
    target = {
      accountId,
      roleName: DEFAULT_MEMBER_ROLE_NAME,
      sessionName: roleSessionName('it-inventory-page'),
    };

    const iam = memberIam(newClients());
    const gateway = new SdkIamGateway(iam);
    for (const user of plannedUsers()) {
      await iam.send(new CreateUserCommand({ UserName: user.userName, Path: user.path ?? '/' }));
      for (const status of user.keys) {
        const created = await iam.send(new CreateAccessKeyCommand({ UserName: user.userName }));
        const keyId = created.AccessKey?.AccessKeyId;
        assert.ok(keyId);
        if (status === 'Inactive') await gateway.updateAccessKeyStatus(user.userName, keyId, 'Inactive');
      }
    }
    truth = new Map();
    for (const user of await gateway.listUsers()) {
      const keys = await gateway.listAccessKeys(user.userName);
      truth.set(
        user.userName,
        keys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })),
      );
    }
  });
  after(() => {
    for (const aws of clients) aws.destroy();
  });

  const withKeys = () =>
    [...truth]
      .filter(([, keys]) => keys.length > 0)
      .map(([name]) => name)
      .sort(compareUserNames);

  test('pages of 7 concatenate to exactly the users with keys, in name order, and the counts add up', async () => {
    assert.ok(truth.size >= 55 && truth.size <= 70, `about 60 users (${truth.size})`);
    const aws = newClients((call) => observed.push(call));
    const pages: InventoryPage[] = [];
    const heartbeats: InventoryPageProgress[] = [];
    let after: string | undefined;
    do {
      const env = new MockActivityEnvironment();
      env.on('heartbeat', (details: InventoryPageProgress) => heartbeats.push(details));
      const input =
        after === undefined ? { maxUsers: MAX_USERS } : { maxUsers: MAX_USERS, afterUserName: after };
      const page = await runPage(aws, input, env);
      pages.push(page);
      if (page.nextAfterUserName !== undefined) {
        assert.ok(
          after === undefined || compareUserNames(page.nextAfterUserName, after) > 0,
          'pages move forward',
        );
      }
      after = page.nextAfterUserName;
    } while (after !== undefined && pages.length < 50);

    const listed = pages.flatMap((p) => p.users.map((u) => u.userName));
    assert.deepEqual(listed, withKeys());
    assert.equal(new Set(listed).size, listed.length, 'no user twice');
    assert.equal(pages.at(-1)?.nextAfterUserName, undefined);
    assert.ok(pages.slice(0, -1).every((p) => p.users.length === MAX_USERS && p.nextAfterUserName));
    assert.ok(pages.every((p) => p.users.length <= MAX_USERS));
    assert.ok(pages.every((p) => p.totalUsers === truth.size));
    const counted = pages.reduce((n, p) => n + p.users.length + p.usersWithoutKeys, 0);
    assert.equal(counted, truth.size);
    assert.equal(
      pages.reduce((n, p) => n + p.usersWithoutKeys, 0),
      [...truth.values()].filter((keys) => keys.length === 0).length,
    );
    for (const [i, page] of pages.entries()) {
      const next = pages[i + 1]?.users[0]?.userName;
      const boundary = page.nextAfterUserName;
      if (next !== undefined && boundary !== undefined) assert.ok(compareUserNames(next, boundary) > 0);
    }

    // Full facts, straight from IAM; never a secret.
    const facts = new Map(pages.flatMap((p) => p.users).map((u) => [u.userName, u]));
    for (const [name, keys] of truth) {
      if (keys.length === 0) continue;
      const user = facts.get(name);
      assert.ok(user, name);
      assert.equal(user.accountId, accountId);
      assert.deepEqual(
        user.keys.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })),
        keys,
      );
      for (const key of user.keys) assert.deepEqual(Object.keys(key).includes('secretAccessKey'), false);
    }
    assert.deepEqual(
      facts.get('inv-inactive')?.keys.map((k) => k.status),
      ['Inactive'],
    );
    const pathUser = facts.get('inv-path');
    assert.equal(pathUser?.path, '/team,eu/');
    assert.equal(pathUser?.arn, `arn:aws:iam::${accountId}:user/team,eu/inv-path`);
    assert.equal(facts.get('inv,comma')?.keys.length, 1);
    assert.equal(facts.get('inv-00'), undefined);
    assert.ok(facts.get('alice.ops')?.tags['email'], 'tags come along');
    assert.ok(facts.get('frank.breakglass')?.groups.includes('keywarden-exempt'), 'groups come along');
    assert.doesNotMatch(JSON.stringify(pages), /secretAccessKey/i);

    // Users without keys were only counted: no call named them.
    const keyless = new Set([...truth].filter(([, keys]) => keys.length === 0).map(([name]) => name));
    const callsForKeyless = observed.filter((c) => c.userName !== undefined && keyless.has(c.userName));
    assert.deepEqual(callsForKeyless, []);
    assert.ok(!observed.some((c) => c.commandName === 'ListUsersCommand'), 'the report replaces ListUsers');
    assert.equal(
      heartbeats.filter((h) => h.lastUserName !== undefined).length,
      listed.length,
      'a heartbeat per user',
    );
  });

  test('a retried page resumes from the heartbeat details of the attempt before it', async () => {
    const env = new MockActivityEnvironment({ attempt: 1 });
    const heartbeats: InventoryPageProgress[] = [];
    env.on('heartbeat', (details: InventoryPageProgress) => heartbeats.push(details));
    const first = await runPage(newClients(), { maxUsers: MAX_USERS, afterUserName: 'inv-09' }, env);
    assert.equal(first.users.length, MAX_USERS);

    // The first attempt "died" after its third user; a retry gets the last heartbeat it sent.
    const crashed = heartbeats.find((h) => h.done.length === 3 && h.lastUserName !== undefined);
    assert.ok(crashed);
    const doneBefore = new Set(crashed.done.map((u: UserFacts) => u.userName));
    const calls: ObservedCommand[] = [];
    const retryEnv = new MockActivityEnvironment({
      attempt: 2,
      heartbeatDetails: JSON.parse(JSON.stringify(crashed)) as unknown,
    });
    const retried = await runPage(
      newClients((call) => calls.push(call)),
      { maxUsers: MAX_USERS, afterUserName: 'inv-09' },
      retryEnv,
    );
    assert.deepEqual(retried, first);
    assert.deepEqual(
      calls.filter((c) => c.userName !== undefined && doneBefore.has(c.userName)),
      [],
      'nothing asked again about the users done before',
    );
    for (const user of first.users) {
      if (!doneBefore.has(user.userName)) {
        assert.ok(calls.some((c) => c.commandName === 'GetUserCommand' && c.userName === user.userName));
      }
    }
  });

  test('a user deleted between the report and the per-user calls is skipped, not a failure', async () => {
    const victim = 'inv-05';
    assert.ok((truth.get(victim) ?? []).length > 0, 'the victim holds keys');
    const aws = newClients();
    const iam = memberIam(aws);
    const cleanup = new SdkIamGateway(memberIam(newClients()));
    let deleted = false;
    // Deletes the victim just before the activity's GetUser for it: the report still lists them.
    iam.middlewareStack.add(
      (next, context) => async (args) => {
        const userName = (args.input as { UserName?: unknown }).UserName;
        if (!deleted && context.commandName === 'GetUserCommand' && userName === victim) {
          deleted = true;
          for (const key of await cleanup.listAccessKeys(victim))
            await cleanup.deleteAccessKey(victim, key.accessKeyId);
          assert.equal(await cleanup.deleteUser(victim), true);
        }
        return next(args);
      },
      { step: 'initialize', name: 'deleteVictimBeforeGetUser' },
    );
    const page = await runPage(aws, { maxUsers: 500 });
    assert.ok(deleted, 'the victim was deleted mid-page');
    const expected = withKeys().filter((name) => name !== victim);
    assert.deepEqual(
      page.users.map((u) => u.userName),
      expected,
    );
    assert.equal(page.nextAfterUserName, undefined);
    assert.equal(page.totalUsers, truth.size, 'the report still counted the victim');
    assert.equal(page.users.length + page.usersWithoutKeys, truth.size - 1, 'the victim is in neither');
  });
});
