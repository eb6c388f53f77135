import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { AwsClients } from '../../../activities/aws/clients';
import { DEFAULT_MEMBER_ROLE_NAME, type MemberRoleRef } from '../../../activities/aws/credentials';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { SdkSecretsGateway } from '../../../activities/aws/secrets-gateway';
import type { ActivityDeps } from '../../../activities/deps';
import {
  createInventoryActivities,
  type InventoryAccountInput,
} from '../../../activities/inventory-activities';
import {
  createKeyActivities,
  type CreateAndStoreKeyInput,
  type CreateAndStoreKeyResult,
} from '../../../activities/key-activities';
import { formatKeySecret, parseKeySecret } from '../../../activities/secret-value';
import { roleSessionName } from '../../../domain/session-name';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { awsClientsFor, freshOrg, testStack } from '../../support/test-stack';

const DAY_MS = 86_400_000;

describe('key and inventory activities against the AWS emulator', () => {
  const stack = testStack();
  let org: SeededOrg;
  let aws: AwsClients;
  const faults: NonNullable<ActivityDeps['faults']> = {};
  let keys: ReturnType<typeof createKeyActivities>;
  let inventory: ReturnType<typeof createInventoryActivities>;

  /** Every secret access key a test saw: none may show up in a result, an error or a log line. */
  const secretsSeen = new Set<string>();
  const logLines: string[] = [];
  const logger = new DefaultLogger('DEBUG', (entry: LogEntry) => {
    logLines.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`);
  });

  const target = (accountId: string, session = 'it-key-activities'): MemberRoleRef => ({
    accountId,
    roleName: DEFAULT_MEMBER_ROLE_NAME,
    sessionName: roleSessionName(session),
  });
  const accountId = (index: number): string => {
    const account = org.accounts[index];
    assert.ok(account, `the seed has a member account #${index}`);
    return account.accountId;
  };
  const seededKeyIds = (account: string, userName: string): string[] => {
    const user = org.users.find((u) => u.accountId === account && u.userName === userName);
    assert.ok(user, `${userName} is seeded in ${account}`);
    return user.accessKeyIds;
  };
  const secretNameOf = (account: string, userName: string) => `keywarden/${account}/${userName}`;
  const iamOf = (account: string) => new SdkIamGateway(aws.member(target(account)).iam);
  const secretsOf = (account: string) => new SdkSecretsGateway(aws.member(target(account)).secrets);
  const keyIdsOf = async (account: string, userName: string) =>
    (await iamOf(account).listAccessKeys(userName)).map((k) => k.accessKeyId).sort();

  /** Reads the stored key pair (as a consumer of the secret would) and remembers its secret. */
  const storedKey = async (account: string, userName: string) => {
    const current = await secretsOf(account).getCurrentValue(secretNameOf(account, userName));
    assert.ok(current, 'the secret has an AWSCURRENT value');
    const parsed = parseKeySecret(current.value);
    assert.ok(parsed, 'the secret is {"AccessKeyId","SecretAccessKey"} JSON');
    assert.equal(parsed.secretAccessKey.length, 40);
    secretsSeen.add(parsed.secretAccessKey);
    return { versionId: current.versionId, ...parsed };
  };

  const assertNoSecret = (text: string, what: string) => {
    for (const secret of secretsSeen)
      assert.ok(!text.includes(secret), `${what} contains a secret access key`);
  };

  /** Runs an activity with Context.current() available, as the worker would on that attempt. */
  const runIn = <I, R>(env: MockActivityEnvironment, fn: (input: I) => Promise<R>, input: I): Promise<R> =>
    env.run(fn, input);
  const atAttempt = <I, R>(attempt: number, fn: (input: I) => Promise<R>, input: I): Promise<R> =>
    runIn(new MockActivityEnvironment({ attempt }, { logger }), fn, input);

  /** Resolves with the failure an activity threw, after checking it is an ApplicationFailure without secrets. */
  const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
    const error = await promise.then(
      () => assert.fail('expected the activity to fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
    assertNoSecret(
      `${error.message} ${JSON.stringify(error.details ?? [])} ${error.stack ?? ''}`,
      'an error',
    );
    return error;
  };

  const createAndStore = (account: string, userName: string, attempt = 1, known?: string[]) =>
    atAttempt(attempt, (i: CreateAndStoreKeyInput) => keys.createAndStoreKey(i), {
      target: target(account),
      userName,
      knownAccessKeyIds: known ?? seededKeyIds(account, userName),
      secretName: secretNameOf(account, userName),
    });

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 3 });
    aws = awsClientsFor(stack, org);
    const deps: ActivityDeps = { aws, faults };
    keys = createKeyActivities(deps);
    inventory = createInventoryActivities(deps);
  });
  beforeEach(() => {
    delete faults['after-create-access-key'];
  });
  after(() => {
    aws?.destroy();
    for (const line of logLines) assertNoSecret(line, 'a log line');
  });

  test('inventory of a seeded account: users with keys, ages, last use, tags and groups', async () => {
    const account = accountId(0);
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const users = await runIn(env, (i: InventoryAccountInput) => inventory.inventoryAccount(i), {
      target: target(account),
    });

    assert.deepEqual(JSON.parse(JSON.stringify(users)), users, 'the result is plain JSON');
    const byName = new Map(users.map((u) => [u.userName, u]));
    const seededHere = org.users.filter((u) => u.accountId === account).map((u) => u.userName);
    assert.deepEqual([...byName.keys()].sort(), [...seededHere].sort());

    const alice = byName.get('alice.ops');
    assert.ok(alice);
    assert.equal(alice.accountId, account);
    assert.equal(alice.arn, `arn:aws:iam::${account}:user/alice.ops`);
    assert.deepEqual(alice.tags, { email: 'alice@example.com', owner: 'platform' });
    assert.deepEqual(alice.groups, ['developers']);
    assert.equal(alice.keys.length, 1);
    const [aliceKey] = alice.keys;
    assert.ok(aliceKey);
    assert.deepEqual([aliceKey.accessKeyId], seededKeyIds(account, 'alice.ops'));
    assert.equal(aliceKey.status, 'Active');
    const ageDays = (Date.now() - Date.parse(aliceKey.createDate)) / DAY_MS;
    assert.ok(ageDays >= 399 && ageDays <= 406, `alice's key is about 400 days old (${ageDays})`);
    assert.ok(aliceKey.lastUsedDate, 'alice used her key');
    const idleDays = (Date.now() - Date.parse(aliceKey.lastUsedDate)) / DAY_MS;
    assert.ok(idleDays >= 1 && idleDays <= 3, `alice used her key about 2 days ago (${idleDays})`);
    assert.equal(aliceKey.lastUsedService, 'ec2');

    assert.deepEqual(byName.get('grace.console')?.keys, []);
    assert.deepEqual(byName.get('grace.console')?.groups, ['developers']);
    const dave = byName.get('dave.legacy');
    assert.deepEqual(
      dave?.keys.map((k) => k.accessKeyId).sort(),
      [...seededKeyIds(account, 'dave.legacy')].sort(),
    );
    assert.ok(dave?.keys.every((k) => k.status === 'Active'));
    assert.equal(byName.get('ivan.rotated')?.keys.filter((k) => k.status === 'Inactive').length, 1);
    assert.equal(byName.get('erin.exempt')?.tags['keywarden:exempt'], 'true');
    assert.deepEqual(byName.get('frank.breakglass')?.groups, ['keywarden-exempt']);
    for (const user of users) {
      for (const key of user.keys)
        assert.deepEqual(
          Object.keys(key).filter((k) => /secret/i.test(k)),
          [],
        );
    }
    assert.ok(heartbeats.length >= 1, 'the inventory heartbeats its progress');
    assert.deepEqual(heartbeats.at(-1), { usersListed: users.length, usersDone: users.length });
  });

  test('create and store: the secret holds the new key; the result holds identifiers only', async () => {
    const account = accountId(0);
    const [oldKey] = seededKeyIds(account, 'alice.ops');
    const result = await createAndStore(account, 'alice.ops');

    assert.match(result.accessKeyId, /^AKIA/);
    assert.notEqual(result.accessKeyId, oldKey);
    assert.equal(result.secretCreated, true);
    assert.equal(result.previousVersionId, undefined);
    assert.match(result.secretArn, new RegExp(`^arn:aws:secretsmanager:us-east-1:${account}:secret:`));
    assert.deepEqual(Object.keys(result).sort(), ['accessKeyId', 'secretArn', 'secretCreated', 'versionId']);

    const stored = await storedKey(account, 'alice.ops');
    assert.equal(stored.accessKeyId, result.accessKeyId);
    assert.equal(stored.versionId, result.versionId);
    const json = JSON.stringify(result);
    assert.ok(!json.includes(stored.secretAccessKey), 'the result must not contain the secret access key');
    assert.doesNotMatch(json, /[A-Za-z0-9/+=]{40}/, 'nothing secret-shaped in the result');
    assert.deepEqual(await keyIdsOf(account, 'alice.ops'), [oldKey, result.accessKeyId].sort());
    assert.ok(logLines.every((line) => !line.includes(stored.secretAccessKey)));
  });

  test('a repeated call with the same known keys returns the stored key and makes no third key', async () => {
    const account = accountId(0);
    const [oldKey] = seededKeyIds(account, 'alice.ops');
    const before = await keyIdsOf(account, 'alice.ops');
    assert.equal(before.length, 2, 'the previous test left old + new');
    const first = await storedKey(account, 'alice.ops');

    const again = await createAndStore(account, 'alice.ops', 2);
    assert.equal(again.accessKeyId, first.accessKeyId);
    assert.equal(again.versionId, first.versionId);
    assert.equal(again.secretCreated, true);
    assert.deepEqual(await keyIdsOf(account, 'alice.ops'), [oldKey, again.accessKeyId].sort());
    assert.equal((await storedKey(account, 'alice.ops')).versionId, first.versionId, 'no new secret version');
  });

  test('verify: the stored key authenticates as the user', async () => {
    const account = accountId(0);
    const { accessKeyId } = await storedKey(account, 'alice.ops');
    const identity = await keys.verifyAccessKey({
      target: target(account),
      userName: 'alice.ops',
      accessKeyId,
      secretName: secretNameOf(account, 'alice.ops'),
    });
    assert.deepEqual(identity, { arn: `arn:aws:iam::${account}:user/alice.ops`, account });
  });

  test('verify fails clearly, without retrying, for a key the secret does not hold or a missing secret', async () => {
    const account = accountId(0);
    const [oldKey] = seededKeyIds(account, 'alice.ops');
    const stored = await storedKey(account, 'alice.ops');
    const wrongKey = await failureOf(
      keys.verifyAccessKey({
        target: target(account),
        userName: 'alice.ops',
        accessKeyId: oldKey ?? '',
        secretName: secretNameOf(account, 'alice.ops'),
      }),
    );
    assert.equal(wrongKey.nonRetryable, true);
    assert.equal(wrongKey.type, 'SecretMismatch');
    assert.match(wrongKey.message, new RegExp(`holds key ${stored.accessKeyId} instead`));
    assert.ok(wrongKey.message.includes(oldKey ?? '?'));

    const noSecret = await failureOf(
      keys.verifyAccessKey({
        target: target(account),
        userName: 'alice.ops',
        accessKeyId: stored.accessKeyId,
        secretName: 'keywarden/no-such-secret',
      }),
    );
    assert.equal(noSecret.nonRetryable, true);
    assert.equal(noSecret.type, 'SecretMismatch');
    assert.match(noSecret.message, /does not exist or has no AWSCURRENT value/);
  });

  test('verify refuses a key that authenticates as another user', async () => {
    const account = accountId(0);
    const { accessKeyId } = await storedKey(account, 'alice.ops');
    const failure = await failureOf(
      keys.verifyAccessKey({
        target: target(account),
        userName: 'build-bot',
        accessKeyId,
        secretName: secretNameOf(account, 'alice.ops'),
      }),
    );
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'WrongIdentity');
    assert.match(failure.message, /user\/alice\.ops.*not as user build-bot/);
  });

  test('a crash between create and store leaves an orphan that the next attempt deletes', async () => {
    const account = accountId(0);
    const userName = 'heidi.unused';
    const [oldKey] = seededKeyIds(account, userName);
    const calls: Array<{ accountId: string; userName: string; attempt: number }> = [];
    faults['after-create-access-key'] = (ctx) => {
      calls.push(ctx);
      if (ctx.attempt === 1) throw new Error('simulated worker crash after CreateAccessKey');
    };

    const crash = await failureOf(createAndStore(account, userName, 1));
    assert.equal(crash.nonRetryable, false, 'a crash is retried');
    assert.match(crash.message, /simulated worker crash/);
    const afterCrash = await keyIdsOf(account, userName);
    assert.equal(afterCrash.length, 2, 'attempt 1 left an orphan key');
    const orphan = afterCrash.find((id) => id !== oldKey);
    assert.ok(orphan);
    assert.equal(
      await secretsOf(account).describe(secretNameOf(account, userName)),
      undefined,
      'nothing stored',
    );

    const result = await createAndStore(account, userName, 2);
    assert.notEqual(result.accessKeyId, orphan);
    assert.equal(result.secretCreated, true);
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey, result.accessKeyId].sort());
    assert.equal((await storedKey(account, userName)).accessKeyId, result.accessKeyId);
    assert.deepEqual(calls, [
      { accountId: account, userName, attempt: 1 },
      { accountId: account, userName, attempt: 2 },
    ]);
    assert.ok(logLines.some((line) => line.includes(orphan) && /never stored/.test(line)));
  });

  test('a user who already holds two keys gets a non-retryable LimitExceeded, and no key', async () => {
    const account = accountId(0);
    const dave = seededKeyIds(account, 'dave.legacy');
    const failure = await failureOf(createAndStore(account, 'dave.legacy'));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'LimitExceeded');
    assert.match(failure.message, /already holds 2 access keys/);
    assert.match(failure.message, /at most 2/);
    for (const id of dave) assert.ok(failure.message.includes(id));
    assert.deepEqual(await keyIdsOf(account, 'dave.legacy'), [...dave].sort());
    assert.equal(await secretsOf(account).describe(secretNameOf(account, 'dave.legacy')), undefined);
  });

  test('a key the workflow did not know about but that has been used is never taken for an orphan', async () => {
    const account = accountId(0);
    const ivan = seededKeyIds(account, 'ivan.rotated');
    assert.equal(ivan.length, 2);
    // Pretend the workflow only knew the first key: the second (used 160 days ago) is not ours.
    const failure = await failureOf(createAndStore(account, 'ivan.rotated', 1, ivan.slice(0, 1)));
    assert.equal(failure.type, 'LimitExceeded');
    assert.deepEqual(await keyIdsOf(account, 'ivan.rotated'), [...ivan].sort());
  });

  test('discardNewKey restores the previous secret version and deletes the key; a retry is a no-op', async () => {
    const account = accountId(1);
    const userName = 'build-bot';
    const secretName = secretNameOf(account, userName);
    const [oldKey] = seededKeyIds(account, userName);
    // An earlier rotation stored the old key (the value here is a stand-in).
    const earlier = await secretsOf(account).putNewVersion(
      secretName,
      formatKeySecret({ accessKeyId: oldKey ?? '', secretAccessKey: 'stand-in-for-an-earlier-secret' }),
    );

    const created: CreateAndStoreKeyResult = await createAndStore(account, userName);
    assert.equal(created.secretCreated, false);
    assert.equal(created.previousVersionId, earlier.versionId);
    assert.equal((await storedKey(account, userName)).accessKeyId, created.accessKeyId);

    const input = { target: target(account), userName, secretName, ...created };
    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: true, secret: 'restored-previous' });
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey]);
    const current = await secretsOf(account).getCurrentValue(secretName);
    assert.equal(current?.versionId, earlier.versionId);
    assert.equal(parseKeySecret(current?.value ?? '')?.accessKeyId, oldKey);

    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: false, secret: 'restored-previous' });
    assert.equal((await secretsOf(account).getCurrentValue(secretName))?.versionId, earlier.versionId);
  });

  test('discardNewKey deletes a secret this rotation created, and the key; a retry is a no-op', async () => {
    const account = accountId(1);
    const userName = 'carol.dev';
    const secretName = secretNameOf(account, userName);
    const [oldKey] = seededKeyIds(account, userName);
    const created = await createAndStore(account, userName);
    assert.equal(created.secretCreated, true);
    await storedKey(account, userName);

    const input = { target: target(account), userName, secretName, ...created };
    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: true, secret: 'deleted' });
    assert.equal(await secretsOf(account).describe(secretName), undefined);
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey]);
    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: false, secret: 'deleted' });
  });

  test('getKeyLastUsed reports the seeded last use, and nothing for a fresh key', async () => {
    const account = accountId(1);
    const [aliceKey] = seededKeyIds(account, 'alice.ops');
    const used = await keys.getKeyLastUsed({ target: target(account), accessKeyId: aliceKey ?? '' });
    assert.equal(used.service, 'ec2');
    assert.ok(used.lastUsedDate);
    const idleDays = (Date.now() - Date.parse(used.lastUsedDate)) / DAY_MS;
    assert.ok(idleDays >= 1 && idleDays <= 3);
    assert.deepEqual(JSON.parse(JSON.stringify(used)), used);

    const [heidiKey] = seededKeyIds(account, 'heidi.unused');
    const never = await keys.getKeyLastUsed({ target: target(account), accessKeyId: heidiKey ?? '' });
    assert.equal(never.lastUsedDate, undefined);
  });

  test('setAccessKeyStatus deactivates and reactivates, idempotently', async () => {
    const account = accountId(1);
    const userName = 'erin.exempt';
    const [key] = seededKeyIds(account, userName);
    const set = (status: 'Active' | 'Inactive') =>
      keys.setAccessKeyStatus({ target: target(account), userName, accessKeyId: key ?? '', status });
    const statusNow = async () =>
      (await iamOf(account).listAccessKeys(userName)).find((k) => k.accessKeyId === key)?.status;

    assert.equal(await set('Inactive'), undefined);
    assert.equal(await statusNow(), 'Inactive');
    await set('Inactive');
    assert.equal(await statusNow(), 'Inactive');
    await set('Active');
    await set('Active');
    assert.equal(await statusNow(), 'Active');

    const missing = await failureOf(
      keys.setAccessKeyStatus({
        target: target(account),
        userName,
        accessKeyId: 'AKIANOSUCHKEY0000000',
        status: 'Active',
      }),
    );
    assert.equal(missing.nonRetryable, true);
    assert.equal(missing.type, 'NoSuchEntity');
  });

  test('deleteAccessKey deletes once; deleting again is not an error', async () => {
    const account = accountId(1);
    const userName = 'frank.breakglass';
    const [key] = seededKeyIds(account, userName);
    const input = { target: target(account), userName, accessKeyId: key ?? '' };
    assert.deepEqual(await keys.deleteAccessKey(input), { deleted: true });
    assert.deepEqual(await keys.deleteAccessKey(input), { deleted: false });
    assert.deepEqual(await keyIdsOf(account, userName), []);
  });

  test('an account whose role is gone fails non-retryably with AccessDenied', async () => {
    const account = accountId(2);
    // Delete the role through its own assumed credentials (those stay valid for their session).
    const { iam } = aws.member(target(account, 'it-role-deleter'));
    const RoleName = DEFAULT_MEMBER_ROLE_NAME;
    for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ??
      []) {
      await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: p.PolicyArn }));
    }
    for (const PolicyName of (await iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? []) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName }));

    // A new session name: a new AssumeRole, not the cached credentials of an earlier session.
    const denied = target(account, 'it-after-role-deleted');
    const inventoryFailure = await failureOf(
      atAttempt(1, (i: InventoryAccountInput) => inventory.inventoryAccount(i), { target: denied }),
    );
    assert.equal(inventoryFailure.type, 'AccessDenied');
    assert.equal(inventoryFailure.nonRetryable, true);
    assert.match(inventoryFailure.message, new RegExp(`^inventory of account ${account}: AccessDenied`));

    const createFailure = await failureOf(
      atAttempt(1, (i: CreateAndStoreKeyInput) => keys.createAndStoreKey(i), {
        target: denied,
        userName: 'alice.ops',
        knownAccessKeyIds: seededKeyIds(account, 'alice.ops'),
        secretName: secretNameOf(account, 'alice.ops'),
      }),
    );
    assert.equal(createFailure.type, 'AccessDenied');
    assert.equal(createFailure.nonRetryable, true);
  });
});
