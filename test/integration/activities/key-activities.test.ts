import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { AwsClients } from '../../../activities/aws/clients';
import { DEFAULT_MEMBER_ROLE_NAME, type MemberRoleRef } from '../../../activities/aws/credentials';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { CREATING_TAG } from '../../../activities/creation-mark';
import { SdkSecretsGateway } from '../../../activities/aws/secrets-gateway';
import type { ActivityDeps } from '../../../activities/deps';
import {
  createInventoryActivities,
  type InventoryAccountInput,
} from '../../../activities/inventory-activities';
import {
  createKeyActivities,
  type CreateAndStageKeyInput,
  type CreateAndStageKeyResult,
  type CreateKeyProgress,
  type DiscardNewKeyInput,
  type InspectUserKeysInput,
  type StagedKeyInput,
} from '../../../activities/key-activities';
import { CONTAINMENT_POLICY_DOCUMENT } from '../../../activities/offboarding-policy';
import { formatKeySecret, parseKeySecret, secretVersionToken } from '../../../activities/secret-value';
import { roleSessionName } from '../../../domain/session-name';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { awsClientsFor, freshOrg, testStack } from '../../support/test-stack';

const DAY_MS = 86_400_000;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';

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
  const firstSeededKey = (account: string, userName: string): string => {
    const [key] = seededKeyIds(account, userName);
    assert.ok(key, `${userName} has a seeded key in ${account}`);
    return key;
  };
  const secretNameOf = (account: string, userName: string) => `keywarden/${account}/${userName}`;
  const iamOf = (account: string) => new SdkIamGateway(aws.member(target(account)).iam);
  const secretsOf = (account: string) => new SdkSecretsGateway(aws.member(target(account)).secrets);
  const keyIdsOf = async (account: string, userName: string) =>
    (await iamOf(account).listAccessKeys(userName)).map((k) => k.accessKeyId).sort();

  /**
   * The labels of the secret's versions, each sorted; versions without a label are left out (AWS
   * leaves them out of DescribeSecret; the emulator lists them with no label). Undefined when the
   * secret does not exist.
   */
  const stagesOf = async (account: string, userName: string) => {
    const described = await secretsOf(account).describe(secretNameOf(account, userName));
    if (described === undefined) return undefined;
    return Object.fromEntries(
      described.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, [...v.stages].sort()]),
    );
  };

  const remember = (value: string | undefined) => {
    const parsed = parseKeySecret(value ?? '');
    assert.ok(parsed, 'the secret is {"AccessKeyId","SecretAccessKey"} JSON');
    secretsSeen.add(parsed.secretAccessKey);
    return parsed;
  };

  /** Reads the AWSCURRENT key pair (as a consumer of the secret would) and remembers its secret. */
  const currentKey = async (account: string, userName: string) => {
    const current = await secretsOf(account).getCurrentValue(secretNameOf(account, userName));
    assert.ok(current, 'the secret has an AWSCURRENT value');
    return { versionId: current.versionId, ...remember(current.value) };
  };

  /** Reads one version's key pair by ID and remembers its secret. */
  const versionKey = async (account: string, userName: string, versionId: string) => {
    const value = await secretsOf(account).getVersionValue(secretNameOf(account, userName), versionId);
    assert.ok(value !== undefined, `version ${versionId} exists`);
    const parsed = remember(value);
    assert.equal(parsed.secretAccessKey.length, 40);
    return parsed;
  };

  /** A key made outside keywarden (by its owner, say), right now; its secret is remembered. */
  const outOfBandKey = async (account: string, userName: string) => {
    const made = await iamOf(account).createAccessKey(userName);
    secretsSeen.add(made.secretAccessKey);
    const listed = (await iamOf(account).listAccessKeys(userName)).find(
      (k) => k.accessKeyId === made.accessKeyId,
    );
    assert.ok(listed);
    return { accessKeyId: made.accessKeyId, createdMs: Date.parse(listed.createDate) };
  };

  /** Stores a stand-in for a key an earlier rotation stored, as the new AWSCURRENT. */
  const earlierVersion = async (account: string, userName: string, accessKeyId: string, stand: string) =>
    secretsOf(account).putNewVersion(
      secretNameOf(account, userName),
      formatKeySecret({ accessKeyId, secretAccessKey: `stand-in-for-an-earlier-secret-${stand}` }),
    );

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

  interface AttemptOptions {
    /** Activity info of this attempt: attempt number, heartbeatDetails, scheduledTimestampMs. */
    info?: Partial<Info>;
    known?: string[];
    /** Receives every heartbeat of the attempt. */
    heartbeats?: unknown[];
  }

  /**
   * One attempt of createAndStageKey. Unless told otherwise, the activity was first scheduled a
   * few seconds ago: after every seeded key was made, before anything this attempt makes.
   */
  const createAndStage = async (account: string, userName: string, opts: AttemptOptions = {}) => {
    const env = new MockActivityEnvironment(
      { attempt: 1, scheduledTimestampMs: Date.now() - 5_000, ...opts.info },
      { logger },
    );
    env.on('heartbeat', (details: unknown) => opts.heartbeats?.push(details));
    const result = await runIn(env, (i: CreateAndStageKeyInput) => keys.createAndStageKey(i), {
      target: target(account),
      userName,
      knownAccessKeyIds: opts.known ?? seededKeyIds(account, userName),
      secretName: secretNameOf(account, userName),
    });
    assertNoSecret(JSON.stringify(result), 'a result');
    return result;
  };

  const stagedInput = (
    account: string,
    userName: string,
    created: CreateAndStageKeyResult,
  ): StagedKeyInput => ({
    target: target(account),
    userName,
    accessKeyId: created.accessKeyId,
    secretName: secretNameOf(account, userName),
    versionId: created.versionId,
  });
  const discardInput = (
    account: string,
    userName: string,
    created: CreateAndStageKeyResult,
  ): DiscardNewKeyInput => ({
    ...stagedInput(account, userName, created),
    secretCreated: created.secretCreated,
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

  // alice.ops in account 0 has no secret yet: these tests follow one rotation of hers.
  let aliceScheduledMs = 0;
  let aliceStaged: CreateAndStageKeyResult | undefined;

  test('create and stage for a user without a secret: a new secret whose one version is AWSCURRENT and AWSPENDING', async () => {
    const account = accountId(0);
    const oldKey = firstSeededKey(account, 'alice.ops');
    const heartbeats: unknown[] = [];
    aliceScheduledMs = Date.now() - 1_000;
    const result = await createAndStage(account, 'alice.ops', {
      info: { scheduledTimestampMs: aliceScheduledMs },
      heartbeats,
    });
    aliceStaged = result;

    assert.match(result.accessKeyId, /^AKIA/);
    assert.notEqual(result.accessKeyId, oldKey);
    assert.equal(result.secretCreated, true);
    assert.match(result.secretArn, new RegExp(`^arn:aws:secretsmanager:us-east-1:${account}:secret:`));
    assert.deepEqual(Object.keys(result).sort(), [
      'accessKeyId',
      'description',
      'secretArn',
      'secretCreated',
      'versionId',
    ]);
    assert.match(
      result.description ?? '',
      /^keywarden made-by=campaign:\S+ created=\d{4}-\d{2}-\d{2} stored=secretsmanager:/,
    );
    assert.equal(
      result.versionId,
      secretVersionToken({
        accountId: account,
        secretName: secretNameOf(account, 'alice.ops'),
        accessKeyId: result.accessKeyId,
      }),
      'the version ID is the token derived from the key ID',
    );
    assert.deepEqual(heartbeats, [{ createdAccessKeyId: result.accessKeyId } satisfies CreateKeyProgress]);

    assert.deepEqual(await stagesOf(account, 'alice.ops'), { [result.versionId]: [CURRENT, PENDING] });
    const stored = await versionKey(account, 'alice.ops', result.versionId);
    assert.equal(stored.accessKeyId, result.accessKeyId);
    const json = JSON.stringify(result);
    assert.ok(!json.includes(stored.secretAccessKey), 'the result must not contain the secret access key');
    assert.doesNotMatch(json, /[A-Za-z0-9/+=]{40}/, 'nothing secret-shaped in the result');
    assert.deepEqual(await keyIdsOf(account, 'alice.ops'), [oldKey, result.accessKeyId].sort());
    assert.ok(logLines.every((line) => !line.includes(stored.secretAccessKey)));
  });

  test('a retried call with the same known keys returns the staged key and makes no third key', async () => {
    const account = accountId(0);
    const oldKey = firstSeededKey(account, 'alice.ops');
    assert.ok(aliceStaged, 'the previous test staged a key');
    const before = await stagesOf(account, 'alice.ops');

    // The heartbeat was lost: the key is found as unknown, made after the first schedule, never used.
    const again = await createAndStage(account, 'alice.ops', {
      info: { attempt: 2, scheduledTimestampMs: aliceScheduledMs },
    });
    assert.deepEqual(again, aliceStaged);
    // The heartbeat arrived: the recorded key is taken at once.
    const third = await createAndStage(account, 'alice.ops', {
      info: {
        attempt: 3,
        scheduledTimestampMs: aliceScheduledMs,
        heartbeatDetails: { createdAccessKeyId: aliceStaged.accessKeyId } satisfies CreateKeyProgress,
      },
    });
    assert.deepEqual(third, aliceStaged);
    assert.deepEqual(await keyIdsOf(account, 'alice.ops'), [oldKey, aliceStaged.accessKeyId].sort());
    assert.deepEqual(await stagesOf(account, 'alice.ops'), before, 'no new secret version');
  });

  test('verifyStagedKey: the staged key authenticates as the user', async () => {
    const account = accountId(0);
    assert.ok(aliceStaged);
    const identity = await keys.verifyStagedKey(stagedInput(account, 'alice.ops', aliceStaged));
    assert.deepEqual(identity, { arn: `arn:aws:iam::${account}:user/alice.ops`, account });
  });

  test('verifyStagedKey refuses, without retrying, a version that holds another key, a missing version or secret', async () => {
    const account = accountId(0);
    const oldKey = firstSeededKey(account, 'alice.ops');
    assert.ok(aliceStaged);
    const staged = stagedInput(account, 'alice.ops', aliceStaged);

    const wrongKey = await failureOf(keys.verifyStagedKey({ ...staged, accessKeyId: oldKey }));
    assert.equal(wrongKey.nonRetryable, true);
    assert.equal(wrongKey.type, 'SecretMismatch');
    assert.match(wrongKey.message, new RegExp(`holds key ${aliceStaged.accessKeyId} instead`));
    assert.ok(wrongKey.message.includes(oldKey));

    const missingVersion = secretVersionToken({
      accountId: account,
      secretName: staged.secretName,
      accessKeyId: oldKey,
    });
    const noVersion = await failureOf(keys.verifyStagedKey({ ...staged, versionId: missingVersion }));
    assert.equal(noVersion.nonRetryable, true);
    assert.equal(noVersion.type, 'SecretMismatch');
    assert.match(noVersion.message, new RegExp(`version ${missingVersion} of secret .* does not exist`));

    const noSecret = await failureOf(
      keys.verifyStagedKey({ ...staged, secretName: 'keywarden/no-such-secret' }),
    );
    assert.equal(noSecret.nonRetryable, true);
    assert.equal(noSecret.type, 'SecretMismatch');
    assert.match(noSecret.message, /does not exist/);
  });

  test('verifyStagedKey refuses a key that authenticates as another user', async () => {
    const account = accountId(0);
    assert.ok(aliceStaged);
    const failure = await failureOf(
      keys.verifyStagedKey({ ...stagedInput(account, 'alice.ops', aliceStaged), userName: 'build-bot' }),
    );
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'WrongIdentity');
    assert.match(failure.message, /user\/alice\.ops.*not as user build-bot/);
  });

  test('promoteStagedKey on a new secret takes AWSPENDING off; there is no previous version; again is a no-op', async () => {
    const account = accountId(0);
    assert.ok(aliceStaged);
    const input = stagedInput(account, 'alice.ops', aliceStaged);
    assert.deepEqual(await keys.promoteStagedKey(input), {});
    assert.deepEqual(await stagesOf(account, 'alice.ops'), { [aliceStaged.versionId]: [CURRENT] });
    assert.equal((await currentKey(account, 'alice.ops')).accessKeyId, aliceStaged.accessKeyId);
    assert.deepEqual(await keys.promoteStagedKey(input), {});
    assert.deepEqual(await stagesOf(account, 'alice.ops'), { [aliceStaged.versionId]: [CURRENT] });
  });

  test('a crash right after CreateAccessKey, retried with its heartbeat, ends with exactly one new key, staged', async () => {
    const account = accountId(0);
    const userName = 'heidi.unused';
    const oldKey = firstSeededKey(account, userName);
    const calls: Array<{ accountId: string; userName: string; attempt: number }> = [];
    faults['after-create-access-key'] = (ctx) => {
      calls.push(ctx);
      if (ctx.attempt === 1) throw new Error('simulated worker crash after CreateAccessKey');
    };
    const scheduledTimestampMs = Date.now() - 1_000;

    const heartbeats: unknown[] = [];
    const crash = await failureOf(
      createAndStage(account, userName, { info: { attempt: 1, scheduledTimestampMs }, heartbeats }),
    );
    assert.equal(crash.nonRetryable, false, 'a crash is retried');
    assert.match(crash.message, /simulated worker crash/);
    const afterCrash = await keyIdsOf(account, userName);
    assert.equal(afterCrash.length, 2, 'attempt 1 left a key it never stored');
    const orphan = afterCrash.find((id) => id !== oldKey);
    assert.ok(orphan);
    assert.deepEqual(heartbeats, [{ createdAccessKeyId: orphan }], 'the key was recorded before the crash');
    assert.equal(await stagesOf(account, userName), undefined, 'nothing stored');

    const result = await createAndStage(account, userName, {
      info: { attempt: 2, scheduledTimestampMs, heartbeatDetails: heartbeats.at(-1) },
    });
    assert.notEqual(result.accessKeyId, orphan);
    assert.equal(result.secretCreated, true);
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey, result.accessKeyId].sort(), 'one new key');
    assert.deepEqual(await stagesOf(account, userName), { [result.versionId]: [CURRENT, PENDING] });
    assert.equal((await versionKey(account, userName, result.versionId)).accessKeyId, result.accessKeyId);
    assert.deepEqual(calls, [
      { accountId: account, userName, attempt: 1 },
      { accountId: account, userName, attempt: 2 },
    ]);
    assert.ok(logLines.some((line) => line.includes(orphan) && /never stored/.test(line)));
  });

  test('a crash whose heartbeat was lost: the creation mark proves the never-stored key is the saga own, and the retry removes it', async () => {
    const account = accountId(0);
    const userName = 'grace.console';
    faults['after-create-access-key'] = (ctx) => {
      if (ctx.attempt === 1) throw new Error('simulated worker crash after CreateAccessKey');
    };
    const scheduledTimestampMs = Date.now() - 1_000;
    await failureOf(createAndStage(account, userName, { info: { attempt: 1, scheduledTimestampMs } }));
    const [orphan, ...none] = await keyIdsOf(account, userName);
    assert.ok(orphan);
    assert.deepEqual(none, []);
    assert.ok((await iamOf(account).listUserTags(userName))[CREATING_TAG], 'the user carries the mark');

    const result = await createAndStage(account, userName, { info: { attempt: 2, scheduledTimestampMs } });
    assert.notEqual(result.accessKeyId, orphan);
    assert.deepEqual(await keyIdsOf(account, userName), [result.accessKeyId], 'the orphan is gone');
    assert.equal(
      (await iamOf(account).listUserTags(userName))[CREATING_TAG],
      undefined,
      'the mark is removed',
    );
  });

  test('without this saga mark (another saga, or no room for tags) the never-stored key is left: it may be its owner', async () => {
    const account = accountId(0);
    const userName = 'carol.dev';
    const before = await keyIdsOf(account, userName);
    faults['after-create-access-key'] = (ctx) => {
      if (ctx.attempt === 1) throw new Error('simulated worker crash after CreateAccessKey');
    };
    const scheduledTimestampMs = Date.now() - 1_000;
    await failureOf(
      createAndStage(account, userName, { known: before, info: { attempt: 1, scheduledTimestampMs } }),
    );
    const [orphan] = (await keyIdsOf(account, userName)).filter((k) => !before.includes(k));
    assert.ok(orphan);
    await iamOf(account).tagUser(userName, CREATING_TAG, 'another-saga@2026-11-29T00:00:00Z');

    const failure = await failureOf(
      createAndStage(account, userName, { known: before, info: { attempt: 2, scheduledTimestampMs } }),
    );
    assert.equal(failure.type, 'LimitExceeded', failure.message);
    assert.ok(failure.message.includes(orphan), failure.message);
    assert.deepEqual(await keyIdsOf(account, userName), [...before, orphan].sort(), 'nothing was deleted');
    // Leave carol.dev as seeded for the tests below.
    await iamOf(account).deleteAccessKey(userName, orphan);
    await iamOf(account).untagUser(userName, CREATING_TAG);
  });

  test('a user who already holds two keys gets a non-retryable LimitExceeded, and no key', async () => {
    const account = accountId(0);
    const dave = seededKeyIds(account, 'dave.legacy');
    const failure = await failureOf(createAndStage(account, 'dave.legacy'));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'LimitExceeded');
    assert.match(failure.message, /already holds 2 access keys/);
    assert.match(failure.message, /at most 2/);
    for (const id of dave) assert.ok(failure.message.includes(id));
    assert.deepEqual(await keyIdsOf(account, 'dave.legacy'), [...dave].sort());
    assert.equal(await secretsOf(account).describe(secretNameOf(account, 'dave.legacy')), undefined);
  });

  test('a key the workflow did not know about but that has been used is never taken for ours', async () => {
    const account = accountId(0);
    const ivan = seededKeyIds(account, 'ivan.rotated');
    assert.equal(ivan.length, 2);
    // Pretend the workflow only knew the first key, and the activity was scheduled long ago:
    // the second key (used 160 days ago) is still not ours.
    const failure = await failureOf(
      createAndStage(account, 'ivan.rotated', { known: ivan.slice(0, 1), info: { scheduledTimestampMs: 1 } }),
    );
    assert.equal(failure.type, 'LimitExceeded');
    assert.deepEqual(await keyIdsOf(account, 'ivan.rotated'), [...ivan].sort());
  });

  test('a never-used key made out of band before the first schedule survives a retry, which hits LimitExceeded', async () => {
    const account = accountId(0);
    const userName = 'carol.dev';
    const oldKey = firstSeededKey(account, userName);
    const owners = await outOfBandKey(account, userName);

    const failure = await failureOf(
      createAndStage(account, userName, {
        info: { attempt: 2, scheduledTimestampMs: owners.createdMs + 1_000 },
      }),
    );
    assert.equal(failure.type, 'LimitExceeded');
    assert.equal(failure.nonRetryable, true);
    assert.ok(failure.message.includes(owners.accessKeyId));
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey, owners.accessKeyId].sort());
    assert.equal(await stagesOf(account, userName), undefined, 'nothing stored');
  });

  test('a never-used key made out of band before the first schedule survives a retry, which proceeds when there is room', async () => {
    const account = accountId(1);
    const userName = 'grace.console';
    const owners = await outOfBandKey(account, userName);

    const result = await createAndStage(account, userName, {
      known: [],
      info: { attempt: 2, scheduledTimestampMs: owners.createdMs + 1_000 },
    });
    assert.notEqual(result.accessKeyId, owners.accessKeyId);
    assert.deepEqual(await keyIdsOf(account, userName), [owners.accessKeyId, result.accessKeyId].sort());
    assert.deepEqual(await stagesOf(account, userName), { [result.versionId]: [CURRENT, PENDING] });
  });

  test('a key recorded in the heartbeat but never stored is deleted by the retry, whatever its age', async () => {
    const account = accountId(0);
    const userName = 'erin.exempt';
    const oldKey = firstSeededKey(account, userName);
    // Attempt 1 created this key and heartbeated it, then died before storing it. The schedule
    // says nothing (the key even looks older than it): the heartbeat alone makes it ours.
    const attempt1 = await outOfBandKey(account, userName);

    const result = await createAndStage(account, userName, {
      info: {
        attempt: 2,
        scheduledTimestampMs: attempt1.createdMs + 1_000,
        heartbeatDetails: { createdAccessKeyId: attempt1.accessKeyId } satisfies CreateKeyProgress,
      },
    });
    assert.notEqual(result.accessKeyId, attempt1.accessKeyId);
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey, result.accessKeyId].sort());
    assert.equal((await versionKey(account, userName, result.versionId)).accessKeyId, result.accessKeyId);
    assert.ok(logLines.some((line) => line.includes(attempt1.accessKeyId) && /never stored/.test(line)));
  });

  test('on an existing secret, AWSCURRENT keeps the old key until promotion; then the old one is AWSPREVIOUS; promoting again is a no-op', async () => {
    const account = accountId(1);
    const userName = 'build-bot';
    const oldKey = firstSeededKey(account, userName);
    // Two earlier rotations stored keys (the values here are stand-ins).
    const older = await earlierVersion(account, userName, 'AKIAOLDEROLDEROLDER1', 'older');
    const earlier = await earlierVersion(account, userName, oldKey, 'earlier');
    assert.deepEqual(await stagesOf(account, userName), {
      [older.versionId]: [PREVIOUS],
      [earlier.versionId]: [CURRENT],
    });

    const created = await createAndStage(account, userName);
    assert.equal(created.secretCreated, false);
    assert.deepEqual(await stagesOf(account, userName), {
      [older.versionId]: [PREVIOUS],
      [earlier.versionId]: [CURRENT],
      [created.versionId]: [PENDING],
    });
    const current = await currentKey(account, userName);
    assert.equal(current.versionId, earlier.versionId, 'consumers still read the old version');
    assert.equal(current.accessKeyId, oldKey);
    assert.equal((await versionKey(account, userName, created.versionId)).accessKeyId, created.accessKeyId);

    const input = stagedInput(account, userName, created);
    assert.deepEqual(await keys.verifyStagedKey(input), {
      arn: `arn:aws:iam::${account}:user/${userName}`,
      account,
    });
    assert.deepEqual(await keys.promoteStagedKey(input), { previousVersionId: earlier.versionId });
    const promoted = await stagesOf(account, userName);
    assert.deepEqual(promoted, { [earlier.versionId]: [PREVIOUS], [created.versionId]: [CURRENT] });
    const now = await currentKey(account, userName);
    assert.equal(now.versionId, created.versionId);
    assert.equal(now.accessKeyId, created.accessKeyId);

    assert.deepEqual(await keys.promoteStagedKey(input), { previousVersionId: earlier.versionId });
    assert.deepEqual(await stagesOf(account, userName), promoted);
    assert.equal((await currentKey(account, userName)).versionId, created.versionId);
  });

  test('discardNewKey before promotion: the key and AWSPENDING go, AWSCURRENT is untouched; a retry is a no-op', async () => {
    const account = accountId(1);
    const userName = 'carol.dev';
    const oldKey = firstSeededKey(account, userName);
    const earlier = await earlierVersion(account, userName, oldKey, 'carol');
    const before = await currentKey(account, userName);
    assert.equal(before.versionId, earlier.versionId);

    const created = await createAndStage(account, userName);
    assert.equal(created.secretCreated, false);
    assert.deepEqual((await stagesOf(account, userName))?.[created.versionId], [PENDING]);

    const input = discardInput(account, userName, created);
    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: true, secret: 'pending-removed' });
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey]);
    assert.deepEqual(
      await stagesOf(account, userName),
      { [earlier.versionId]: [CURRENT] },
      'no AWSPENDING left',
    );
    assert.deepEqual(await currentKey(account, userName), before, 'same AWSCURRENT version and value');

    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: false, secret: 'unchanged' });
    assert.deepEqual(await stagesOf(account, userName), { [earlier.versionId]: [CURRENT] });
    assert.deepEqual(await currentKey(account, userName), before);
  });

  test('discardNewKey deletes a secret this rotation created, and the key; a retry is a no-op', async () => {
    const account = accountId(1);
    const userName = 'alice.ops';
    const secretName = secretNameOf(account, userName);
    const oldKey = firstSeededKey(account, userName);
    const created = await createAndStage(account, userName);
    assert.equal(created.secretCreated, true);
    await versionKey(account, userName, created.versionId);

    const input = discardInput(account, userName, created);
    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: true, secret: 'deleted' });
    assert.equal(await secretsOf(account).describe(secretName), undefined);
    assert.deepEqual(await keyIdsOf(account, userName), [oldKey]);
    assert.deepEqual(await keys.discardNewKey(input), { keyDeleted: false, secret: 'deleted' });
  });

  test('inspectUserKeys: the keys now, with status and last use; no containment; a missing user', async () => {
    const account = accountId(1);
    const inspect = (userName: string) => keys.inspectUserKeys({ target: target(account), userName });

    const ivan = await inspect('ivan.rotated');
    assert.equal(ivan.userExists, true);
    assert.equal(ivan.containmentPolicy, undefined);
    assert.deepEqual(
      ivan.keys.map((k) => k.accessKeyId).sort(),
      [...seededKeyIds(account, 'ivan.rotated')].sort(),
    );
    const [active, inactive] = seededKeyIds(account, 'ivan.rotated').map((id) =>
      ivan.keys.find((k) => k.accessKeyId === id),
    );
    assert.equal(active?.status, 'Active');
    assert.equal(inactive?.status, 'Inactive');
    const idle = (key: { lastUsedDate?: string } | undefined) =>
      (Date.now() - Date.parse(key?.lastUsedDate ?? '')) / DAY_MS;
    assert.ok(idle(active) >= 3 && idle(active) <= 5, `used about 4 days ago (${idle(active)})`);
    assert.ok(idle(inactive) >= 159 && idle(inactive) <= 161, `used about 160 days ago (${idle(inactive)})`);
    const age = (Date.now() - Date.parse(active?.createDate ?? '')) / DAY_MS;
    assert.ok(age >= 199 && age <= 206, `about 200 days old (${age})`);
    assert.deepEqual(JSON.parse(JSON.stringify(ivan)), ivan, 'plain JSON');

    const frank = await inspect('frank.breakglass');
    assert.deepEqual(
      frank.keys.map((k) => [k.accessKeyId, k.status, k.lastUsedDate]),
      [[firstSeededKey(account, 'frank.breakglass'), 'Active', undefined]],
      'a key never used has no lastUsedDate',
    );

    assert.deepEqual(await inspect('nobody.here'), { userExists: false, keys: [] });
  });

  test("inspectUserKeys reports keywarden's deny-all inline policy, and not another inline policy", async () => {
    const account = accountId(1);
    const iam = iamOf(account);
    const inspect = (userName: string) =>
      keys.inspectUserKeys({ target: target(account), userName } satisfies InspectUserKeysInput);

    await iam.putUserPolicy('mallory-admin', 'keywarden-offboarding-deny-all', CONTAINMENT_POLICY_DOCUMENT);
    const contained = await inspect('mallory-admin');
    assert.equal(contained.containmentPolicy, 'keywarden-offboarding-deny-all');
    assert.deepEqual(
      contained.keys.map((k) => k.accessKeyId),
      seededKeyIds(account, 'mallory-admin'),
    );

    // An offboarding may name its containment policy as it likes: the document is what counts.
    await iam.putUserPolicy('heidi.unused', 'deny-everything', CONTAINMENT_POLICY_DOCUMENT);
    assert.equal((await inspect('heidi.unused')).containmentPolicy, 'deny-everything');

    const denyS3 = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }],
    });
    await iam.putUserPolicy('dave.legacy', 'keywarden-not-containment', denyS3);
    await iam.putUserPolicy('dave.legacy', 'team-read-only', denyS3);
    const dave = await inspect('dave.legacy');
    assert.equal(dave.userExists, true);
    assert.equal(dave.containmentPolicy, undefined);
    assert.ok(!('containmentPolicy' in dave));
  });

  test('getKeyLastUsed reports the seeded last use, and nothing for a fresh key', async () => {
    const account = accountId(1);
    const aliceKey = firstSeededKey(account, 'alice.ops');
    const used = await keys.getKeyLastUsed({ target: target(account), accessKeyId: aliceKey });
    assert.equal(used.service, 'ec2');
    assert.ok(used.lastUsedDate);
    const idleDays = (Date.now() - Date.parse(used.lastUsedDate)) / DAY_MS;
    assert.ok(idleDays >= 1 && idleDays <= 3);
    assert.deepEqual(JSON.parse(JSON.stringify(used)), used);

    const heidiKey = firstSeededKey(account, 'heidi.unused');
    const never = await keys.getKeyLastUsed({ target: target(account), accessKeyId: heidiKey });
    assert.equal(never.lastUsedDate, undefined);
  });

  test('setAccessKeyStatus deactivates and reactivates, idempotently', async () => {
    const account = accountId(1);
    const userName = 'erin.exempt';
    const key = firstSeededKey(account, userName);
    const set = (status: 'Active' | 'Inactive') =>
      keys.setAccessKeyStatus({ target: target(account), userName, accessKeyId: key, status });
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
    const key = firstSeededKey(account, userName);
    const input = { target: target(account), userName, accessKeyId: key };
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
      atAttempt(1, (i: CreateAndStageKeyInput) => keys.createAndStageKey(i), {
        target: denied,
        userName: 'alice.ops',
        knownAccessKeyIds: seededKeyIds(account, 'alice.ops'),
        secretName: secretNameOf(account, 'alice.ops'),
      }),
    );
    assert.equal(createFailure.type, 'AccessDenied');
    assert.equal(createFailure.nonRetryable, true);

    const inspectFailure = await failureOf(keys.inspectUserKeys({ target: denied, userName: 'alice.ops' }));
    assert.equal(inspectFailure.type, 'AccessDenied');
    assert.equal(inspectFailure.nonRetryable, true);
  });
});
