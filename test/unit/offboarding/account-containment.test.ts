import { IAMClient } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createAccountContainmentActivities,
  type AccountContainment,
  type AccountsContainment,
  type BatchProgress,
  type ContainLeaverInAccountInput,
  type ContainmentProgress,
  type ContainLeaverInAccountsInput,
} from '../../../activities/account-containment';
import type { AwsClients } from '../../../activities/aws/clients';
import { containmentPolicyDocument, isContainmentPolicy } from '../../../activities/offboarding-policy';

const POLICY = 'keywarden-offboarding-deny-all';
const target = { accountId: '111111111111', roleName: 'OrganizationAccountAccessRole', sessionName: 'kw-t' };
const input = (overrides: Partial<ContainLeaverInAccountInput> = {}): ContainLeaverInAccountInput => ({
  target,
  match: { userNames: [], tagKey: 'email', tagValues: ['Mallory@Example.com'] },
  policyName: POLICY,
  usersInFlight: 5,
  ...overrides,
});

interface FakeUser {
  keys: Array<{ id: string; status: 'Active' | 'Inactive' }>;
  inline: Record<string, string>;
  tags: Record<string, string>;
  groups: string[];
}

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** An account's IAM, answering by command name; every call is recorded with its user. */
function fakeAccount(users: Record<string, FakeUser>, failOn: Record<string, Error> = {}) {
  const { client, calls } = fakeIam(users, failOn);
  const aws = { member: () => ({ iam: client }) } as unknown as AwsClients;
  return { activities: createAccountContainmentActivities({ aws }), calls };
}

/** Several accounts, each with its own fake IAM. */
function fakeAccounts(
  accounts: Record<string, { users: Record<string, FakeUser>; failOn?: Record<string, Error> }>,
) {
  const iams = Object.fromEntries(
    Object.entries(accounts).map(([id, a]) => [id, fakeIam(a.users, a.failOn)] as const),
  );
  const aws = {
    member: (ref: { accountId: string }) => ({ iam: iams[ref.accountId]!.client }),
  } as unknown as AwsClients;
  return { activities: createAccountContainmentActivities({ aws }), calls: (id: string) => iams[id]!.calls };
}

function fakeIam(users: Record<string, FakeUser>, failOn: Record<string, Error> = {}) {
  const calls: string[] = [];
  const client = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const answer = (name: string, input: Record<string, unknown>): unknown => {
    if (failOn[name]) throw failOn[name];
    const user = users[input.UserName as string];
    switch (name) {
      case 'GetAccountAuthorizationDetailsCommand':
        assert.deepEqual(input.Filter, ['User']);
        return {
          UserDetailList: Object.entries(users).map(([UserName, u]) => ({
            UserName,
            Tags: Object.entries(u.tags).map(([Key, Value]) => ({ Key, Value })),
            GroupList: u.groups,
            AttachedManagedPolicies: [],
            UserPolicyList: Object.entries(u.inline).map(([PolicyName, doc]) => ({
              PolicyName,
              PolicyDocument: encodeURIComponent(doc),
            })),
          })),
          IsTruncated: false,
        };
      case 'ListAccessKeysCommand':
        return { AccessKeyMetadata: user!.keys.map((k) => ({ AccessKeyId: k.id, Status: k.status })) };
      case 'UpdateAccessKeyCommand':
        user!.keys.find((k) => k.id === input.AccessKeyId)!.status = input.Status as 'Active' | 'Inactive';
        return {};
      case 'PutUserPolicyCommand':
        user!.inline[input.PolicyName as string] = input.PolicyDocument as string;
        return {};
      case 'GetLoginProfileCommand':
        if (user === undefined) throw awsError('NoSuchEntity', 404, 'The user cannot be found.');
        return { LoginProfile: { UserName: input.UserName, CreateDate: new Date() } };
      case 'ListMFADevicesCommand':
      case 'ListSSHPublicKeysCommand':
      case 'ListSigningCertificatesCommand':
        if (user === undefined) throw awsError('NoSuchEntity', 404, 'The user cannot be found.');
        return {};
      default:
        throw new Error(`fake IAM: unexpected ${name}`);
    }
  };
  const send = (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    calls.push(typeof command.input.UserName === 'string' ? `${name} ${command.input.UserName}` : name);
    try {
      return Promise.resolve(answer(name, command.input));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  Object.assign(client, { send });
  return { client, calls };
}

const org = (): Record<string, FakeUser> => ({
  mallory: {
    keys: [
      { id: 'AKIAMALLORY1', status: 'Active' },
      { id: 'AKIAMALLORY2', status: 'Inactive' },
    ],
    inline: { 'read-s3': '{"Version":"2012-10-17","Statement":[]}' },
    tags: { Email: 'mallory@example.com ' },
    groups: ['developers'],
  },
  'alice.ops': {
    keys: [{ id: 'AKIAALICE', status: 'Active' }],
    inline: {},
    tags: { email: 'alice@example.com' },
    groups: [],
  },
  'build-bot': { keys: [{ id: 'AKIABOT', status: 'Active' }], inline: {}, tags: {}, groups: [] },
});

function run(
  activities: ReturnType<typeof createAccountContainmentActivities>,
  args: ContainLeaverInAccountInput,
  env = new MockActivityEnvironment(),
): Promise<AccountContainment> {
  return env.run((a: ContainLeaverInAccountInput) => activities.containLeaverInAccount(a), args);
}

describe('containLeaverInAccount', () => {
  test('one bulk read finds the leaver by tag; only the leaver is touched, keys before the policy, the rest of the record after', async () => {
    const users = org();
    const { activities, calls } = fakeAccount(users);
    const env = new MockActivityEnvironment();
    const heartbeats: Array<{ details: unknown; callsSoFar: string[] }> = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push({ details, callsSoFar: [...calls] }));
    const { users: outcomes } = await run(activities, input(), env);

    assert.equal(outcomes.length, 1);
    const [mallory] = outcomes;
    assert.equal(mallory?.outcome, 'contained');
    if (mallory?.outcome !== 'contained') return;
    assert.equal(mallory.matchedBy, 'tag:email');
    assert.deepEqual(mallory.result.deactivatedKeyIds, ['AKIAMALLORY1']);
    assert.equal(mallory.result.prior.source, 'observed');
    assert.deepEqual(mallory.result.prior.accessKeys, [
      { id: 'AKIAMALLORY1', status: 'Active' },
      { id: 'AKIAMALLORY2', status: 'Inactive' },
    ]);
    assert.deepEqual(mallory.result.prior.inlinePolicyNames, ['read-s3']);
    assert.deepEqual(mallory.result.prior.groups, ['developers']);
    assert.equal(mallory.result.prior.credentialsUnread, true, 'left for readLeaverCredentials');
    assert.ok(users.mallory!.keys.every((k) => k.status === 'Inactive'));
    assert.ok(isContainmentPolicy(users.mallory!.inline[POLICY]));
    assert.ok(
      users['alice.ops']!.keys.every((k) => k.status === 'Active'),
      'a colleague keeps her key',
    );

    // Four calls: the bulk read, the leaver's keys, one deactivation, the policy.
    assert.deepEqual(calls, [
      'GetAccountAuthorizationDetailsCommand',
      'ListAccessKeysCommand mallory',
      'UpdateAccessKeyCommand mallory',
      'PutUserPolicyCommand mallory',
    ]);
    assert.ok(!calls.some((c) => c.startsWith('ListUserTags') || c.startsWith('ListUsers')));
    // The prior state was heartbeated before the first change.
    const first = heartbeats[0]!;
    assert.ok(
      !first.callsSoFar.some((c) => c.startsWith('UpdateAccessKey') || c.startsWith('PutUserPolicy')),
    );
    assert.deepEqual(
      (first.details as { priors: Record<string, { accessKeys: unknown }> }).priors.mallory?.accessKeys,
      mallory.result.prior.accessKeys,
    );
  });

  test('a user already holding the containment policy: no new put, the prior state is marked inferred', async () => {
    const users = org();
    const since = '2026-01-01T00:00:00.000Z';
    users.mallory!.inline[POLICY] = containmentPolicyDocument(since);
    users.mallory!.keys = [{ id: 'AKIAMALLORY1', status: 'Inactive' }];
    const { activities, calls } = fakeAccount(users);
    const { users: outcomes } = await run(
      activities,
      input({ match: { userNames: ['MALLORY'], tagKey: 'email', tagValues: [] } }),
    );
    const [mallory] = outcomes;
    assert.equal(mallory?.outcome, 'contained');
    if (mallory?.outcome !== 'contained') return;
    assert.equal(mallory.matchedBy, 'userName');
    assert.equal(mallory.result.alreadyContained, true);
    assert.equal(mallory.result.sessionsIssuedBefore, since);
    assert.equal(mallory.result.prior.source, 'inferred');
    assert.deepEqual(mallory.result.prior.uncertainKeyIds, ['AKIAMALLORY1']);
    assert.ok(!calls.some((c) => c.startsWith('PutUserPolicy') || c.startsWith('UpdateAccessKey')));
  });

  test('a refused policy is reported per user, retryable or not, with the keys still deactivated', async () => {
    for (const [error, retryable] of [
      [awsError('LimitExceeded', 409, 'Cannot exceed quota for PolicySize: 2048'), false],
      [awsError('Throttling', 400, 'Rate exceeded'), true],
    ] as const) {
      const users = org();
      const { activities } = fakeAccount(users, { PutUserPolicyCommand: error });
      const [mallory] = (await run(activities, input())).users;
      assert.equal(mallory?.outcome, 'incomplete');
      if (mallory?.outcome !== 'incomplete') return;
      assert.equal(mallory.retryable, retryable, error.name);
      assert.deepEqual(
        { keys: mallory.steps.keysDeactivated, policy: mallory.steps.denyPolicyAttached },
        { keys: true, policy: false },
      );
      assert.match(mallory.error, /containment incomplete for user mallory .*deny policy NOT attached/);
      assert.equal(mallory.prior.accessKeys.find((k) => k.id === 'AKIAMALLORY1')?.status, 'Active');
      assert.ok(users.mallory!.keys.every((k) => k.status === 'Inactive'));
    }
  });

  test('a retry after a crash keeps the heartbeated record and results, not the contained state', async () => {
    const users = org();
    const { activities } = fakeAccount(users);
    const env = new MockActivityEnvironment();
    let last: unknown;
    env.on('heartbeat', (details: unknown) => (last = details));
    const first = (await run(activities, input(), env)).users[0];
    assert.equal(first?.outcome, 'contained');

    const retry = new MockActivityEnvironment({ heartbeatDetails: last });
    const again = (await run(activities, input(), retry)).users[0];
    assert.equal(again?.outcome, 'contained');
    if (again?.outcome !== 'contained' || first?.outcome !== 'contained') return;
    assert.equal(again.result.prior.source, 'observed');
    assert.equal(again.result.prior.accessKeys.find((k) => k.id === 'AKIAMALLORY1')?.status, 'Active');
    assert.deepEqual(again.result.deactivatedKeyIds, first.result.deactivatedKeyIds);
  });

  test('readLeaverCredentials reads the rest of the prior state; a user gone since is left out', async () => {
    const { activities, calls } = fakeAccount(org());
    const read = await new MockActivityEnvironment().run(
      (i: { target: typeof target; userNames: string[]; usersInFlight: number }) =>
        activities.readLeaverCredentials(i),
      { target, userNames: ['mallory', 'gone.user'], usersInFlight: 2 },
    );
    assert.deepEqual(read, {
      mallory: { loginProfile: true, mfaDevices: [], sshPublicKeys: [], signingCertificates: [] },
    });
    assert.ok(calls.includes('GetLoginProfileCommand mallory'));
    assert.ok(calls.includes('GetLoginProfileCommand gone.user'));
  });

  test('a failed search fails the activity, naming the account', async () => {
    const { activities } = fakeAccount(org(), {
      GetAccountAuthorizationDetailsCommand: awsError('AccessDenied', 403, 'not authorized'),
    });
    await assert.rejects(run(activities, input()), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.match(error.message, /searching the IAM users of account 111111111111/);
      return true;
    });
  });
});

describe('containLeaverInAccounts', () => {
  const accountIds = ['111111111111', '222222222222', '333333333333'];
  const batchInput = (): ContainLeaverInAccountsInput => {
    const { match, policyName, usersInFlight } = input();
    return {
      match,
      policyName,
      usersInFlight,
      targets: accountIds.map((accountId) => ({ ...target, accountId })),
    };
  };
  const runBatch = (
    activities: ReturnType<typeof createAccountContainmentActivities>,
    env = new MockActivityEnvironment(),
  ): Promise<AccountsContainment> =>
    env.run((a: ContainLeaverInAccountsInput) => activities.containLeaverInAccounts(a), batchInput());

  test('each account as containLeaverInAccount does it; an account that cannot be searched is reported, untouched, and the others stand', async () => {
    const denied = org();
    const { activities, calls } = fakeAccounts({
      '111111111111': { users: org() },
      '222222222222': {
        users: denied,
        failOn: { GetAccountAuthorizationDetailsCommand: awsError('AccessDenied', 403, 'not authorized') },
      },
      '333333333333': { users: org() },
    });
    const { accounts } = await runBatch(activities);
    assert.deepEqual(
      accounts.map((a) => [a.accountId, a.searched]),
      [
        ['111111111111', true],
        ['222222222222', false],
        ['333333333333', true],
      ],
    );
    for (const answer of [accounts[0], accounts[2]]) {
      assert.ok(answer?.searched);
      assert.deepEqual(
        answer.users.map((u) => [u.userName, u.outcome]),
        [['mallory', 'contained']],
      );
    }
    const failed = accounts[1];
    assert.ok(failed !== undefined && !failed.searched);
    assert.match(failed.error, /searching the IAM users of account 222222222222/);
    assert.deepEqual(
      calls('222222222222'),
      ['GetAccountAuthorizationDetailsCommand'],
      'nothing changed there',
    );
    assert.equal(denied.mallory?.keys[0]?.status, 'Active');
    assert.ok(calls('111111111111').includes('PutUserPolicyCommand mallory'));
  });

  test("the first heartbeat holds every account's prior state, sent before any account is changed; a retry from it keeps them", async () => {
    const { activities, calls } = fakeAccounts(
      Object.fromEntries(accountIds.map((id) => [id, { users: org() }])),
    );
    const env = new MockActivityEnvironment();
    const beats: Array<{ details: unknown; changesBefore: number }> = [];
    const changes = () =>
      accountIds.flatMap((id) => calls(id)).filter((c) => /^(UpdateAccessKey|PutUserPolicy)/.test(c)).length;
    env.on('heartbeat', (details: unknown) =>
      beats.push({ details: structuredClone(details), changesBefore: changes() }),
    );
    const first = await runBatch(activities, env);
    assert.ok(first.accounts.every((a) => a.searched && a.users[0]?.outcome === 'contained'));
    assert.equal(beats[0]?.changesBefore, 0, 'the first heartbeat went out before any change');
    const firstRecord = beats[0]?.details as BatchProgress;
    assert.deepEqual(Object.keys(firstRecord.accounts).sort(), accountIds, 'it holds every account');
    for (const id of accountIds) assert.ok(firstRecord.accounts[id]?.priors.mallory, id);

    // A worker lost right after that heartbeat: the retry finds everyone contained, and keeps the record.
    const again = await runBatch(activities, new MockActivityEnvironment({ heartbeatDetails: firstRecord }));
    assert.equal(again.accounts.length, 3);
    for (const answer of again.accounts) {
      assert.ok(answer.searched, answer.accountId);
      const user = answer.users[0];
      assert.ok(user?.outcome === 'contained', answer.accountId);
      assert.equal(user.result.prior.source, 'observed', `${answer.accountId}: the first record, kept`);
      assert.equal(user.result.prior.accessKeys.find((k) => k.id === 'AKIAMALLORY1')?.status, 'Active');
      assert.equal(user.result.alreadyContained, true, 'nothing left to change');
    }
  });

  test('final and passing search failures are told apart', async () => {
    const { activities } = fakeAccounts({
      '111111111111': {
        users: org(),
        failOn: { GetAccountAuthorizationDetailsCommand: awsError('AccessDenied', 403, 'not authorized') },
      },
      '222222222222': {
        users: org(),
        failOn: { GetAccountAuthorizationDetailsCommand: awsError('Throttling', 400, 'Rate exceeded') },
      },
      '333333333333': { users: org() },
    });
    const { accounts } = await runBatch(activities);
    assert.deepEqual(
      accounts.map((a) => (a.searched ? [a.accountId, 'searched'] : [a.accountId, a.retryable])),
      [
        ['111111111111', false],
        ['222222222222', true],
        ['333333333333', 'searched'],
      ],
    );
  });
});

describe('containLeaverInAccount after a batch that failed as a whole', () => {
  test("with the batch's record: the prior state is the one read first", async () => {
    const users = org();
    const { activities } = fakeAccount(users);
    const env = new MockActivityEnvironment();
    let firstBeat: unknown;
    env.on('heartbeat', (details: unknown) => (firstBeat ??= structuredClone(details)));
    await run(activities, input(), env);
    const progress = firstBeat as ContainmentProgress;
    const after = (await run(activities, { ...input(), earlierAttempt: { progress } })).users[0];
    assert.ok(after?.outcome === 'contained');
    assert.equal(after.result.prior.source, 'observed');
    assert.equal(after.result.prior.accessKeys.find((k) => k.id === 'AKIAMALLORY1')?.status, 'Active');
  });

  test('without a record: keys found Inactive may have been deactivated by it, so the prior state is inferred and they are uncertain', async () => {
    const users = org();
    const { activities } = fakeAccount(users);
    // The batch deactivated the key and was lost before putting the policy, and before its record left.
    users.mallory!.keys[0]!.status = 'Inactive';
    const after = (await run(activities, { ...input(), earlierAttempt: {} })).users[0];
    assert.ok(after?.outcome === 'contained');
    assert.equal(after.result.prior.source, 'inferred');
    assert.deepEqual(after.result.prior.uncertainKeyIds.sort(), ['AKIAMALLORY1', 'AKIAMALLORY2']);
    assert.equal(after.result.prior.replacedPolicyDocument, undefined);
  });

  test('a first attempt (no earlier batch) records what it reads as observed', async () => {
    const users = org();
    users.mallory!.keys[0]!.status = 'Inactive';
    const { activities } = fakeAccount(users);
    const after = (await run(activities, input())).users[0];
    assert.ok(after?.outcome === 'contained');
    assert.equal(after.result.prior.source, 'observed');
    assert.deepEqual(after.result.prior.uncertainKeyIds, []);
  });
});
