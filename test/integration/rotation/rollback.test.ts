import { CreateAccessKeyCommand, CreateUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { AwsClients } from '../../../activities/aws/clients';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { PREVIOUS_LABEL, SdkParameterGateway } from '../../../activities/aws/parameter-gateway';
import { SdkSecretsGateway } from '../../../activities/aws/secrets-gateway';
import { formatKeySecret, storedAccessKeyId } from '../../../activities/secret-value';
import type { RollbackResult } from '../../../domain/rollback-request';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { keyWorkflowId } from '../../../workflows/key-rotation';
import { memberIam, memberRef } from '../../support/aws-snapshot';
import { startCampaign, testSpec, uniqueId } from '../../support/campaign-helpers';
import { runKeywarden } from '../../support/cli-process';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';

interface MadeKey {
  accessKeyId: string;
  secretAccessKey: string;
}

describe('keywarden rollback: the stored key goes back one version, only to a key that still works', () => {
  const stack = testStack();
  let org: SeededOrg;
  let observer: AwsClients;
  let worker: RunningWorker;
  let accountId: string;
  let env: NodeJS.ProcessEnv;
  const started: string[] = [];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    observer = awsClientsFor(stack, org);
    worker = await startTestWorker(stack, org);
    accountId = org.accounts[0]!.accountId;
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
    };
  });
  after(async () => {
    for (const id of started)
      await worker.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await worker?.stop();
    observer?.destroy();
  });

  const member = () => observer.member(memberRef(accountId));
  const secrets = () => new SdkSecretsGateway(member().secrets);
  const parameters = () => new SdkParameterGateway(member().ssm);

  async function userWithKeys(userName: string, count: number): Promise<MadeKey[]> {
    const iam = memberIam(observer, accountId);
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const keys: MadeKey[] = [];
    for (let i = 0; i < count; i++) {
      const made = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      keys.push({
        accessKeyId: made.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: made.AccessKey?.SecretAccessKey ?? '',
      });
    }
    return keys;
  }

  /** The secret as two rotations leave it: the old key AWSPREVIOUS, the new one AWSCURRENT. */
  async function storeInSecret(userName: string, [oldKey, newKey]: MadeKey[]): Promise<string> {
    const name = `keywarden/${userName}`;
    await secrets().putNewVersion(name, formatKeySecret(oldKey!));
    await secrets().putNewVersion(name, formatKeySecret(newKey!));
    return name;
  }

  async function currentSecretKey(name: string): Promise<string | undefined> {
    const current = await secrets().getCurrentValue(name);
    return current === undefined ? undefined : storedAccessKeyId(current.value);
  }

  const rollback = (...args: string[]) =>
    runKeywarden(env, 'rollback', accountId, ...args, '--reason', 'the app cannot use the new key');

  test('a secret goes back to the previous, still Active key; nothing else changes', async () => {
    const keys = await userWithKeys('rb-secret', 2);
    const name = await storeInSecret('rb-secret', keys);
    assert.equal(await currentSecretKey(name), keys[1]!.accessKeyId);

    const run = await rollback('rb-secret', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as RollbackResult;
    assert.equal(result.outcome, 'restored', result.detail);
    assert.deepEqual(result.plan?.previous.accessKeyId, keys[0]!.accessKeyId);
    assert.equal(await currentSecretKey(name), keys[0]!.accessKeyId, 'consumers read the old key again');
    const iamKeys = await new SdkIamGateway(memberIam(observer, accountId)).listAccessKeys('rb-secret');
    assert.deepEqual(
      iamKeys.map((k) => k.status),
      ['Active', 'Active'],
      'both keys stay as they were in IAM',
    );
    for (const key of keys) {
      assert.ok(!run.stdout.includes(key.secretAccessKey) && !run.stderr.includes(key.secretAccessKey));
    }
  });

  test('a previous key that is no longer Active: refused, the secret is unchanged', async () => {
    const keys = await userWithKeys('rb-inactive', 2);
    const name = await storeInSecret('rb-inactive', keys);
    await memberIam(observer, accountId).send(
      new UpdateAccessKeyCommand({
        UserName: 'rb-inactive',
        AccessKeyId: keys[0]!.accessKeyId,
        Status: 'Inactive',
      }),
    );
    const before = await secrets().describe(name);

    const run = await rollback('rb-inactive');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`${keys[0]!.accessKeyId}, which is Inactive`));
    assert.match(run.stderr, /nothing changed/);
    assert.deepEqual(await secrets().describe(name), before);
    assert.equal(await currentSecretKey(name), keys[1]!.accessKeyId);
  });

  test('stored in two places: refused until one is named; a parameter goes back by its labels', async () => {
    const keys = await userWithKeys('rb-both', 2);
    await storeInSecret('rb-both', keys);
    const parameter = `/keywarden/${accountId}/rb-both`;
    const v1 = await parameters().putVersion(parameter, formatKeySecret(keys[0]!));
    const v2 = await parameters().putVersion(parameter, formatKeySecret(keys[1]!));
    await parameters().moveLabel(parameter, PREVIOUS_LABEL, v1.version);
    await parameters().moveLabel(parameter, 'current', v2.version);

    const ambiguous = await rollback('rb-both');
    assert.equal(ambiguous.code, 1, ambiguous.stderr);
    assert.match(ambiguous.stderr, /stored in 2 places .*--secret <name> or --parameter <name>/);

    const both = await rollback('rb-both', '--secret', 'x', '--parameter', parameter);
    assert.equal(both.code, 2, both.stderr);

    const run = await rollback('rb-both', '--parameter', parameter);
    assert.equal(run.code, 0, run.stderr);
    const labels = (await parameters().describe(parameter))?.versions;
    assert.deepEqual(labels?.find((v) => v.version === v1.version)?.labels, ['current']);
    assert.deepEqual(labels?.find((v) => v.version === v2.version)?.labels, []);
    const read = await parameters().getValue(parameter, 'current');
    assert.equal(read === undefined ? undefined : storedAccessKeyId(read.value), keys[0]!.accessKeyId);
    assert.equal(
      await currentSecretKey('keywarden/rb-both'),
      keys[1]!.accessKeyId,
      'the secret was not named',
    );

    const again = await rollback('rb-both', '--parameter', parameter);
    assert.equal(again.code, 1, 'a second rollback finds no previous version');
    assert.match(again.stderr, /no previous version/);
  });

  test('while a rotation of the user runs: refused, because it would go on to retire the key handed back', async () => {
    // A seeded user whose key is old enough to rotate; the secret holds its key ID as a consumer
    // stored it before (the secret part is not known to the test, and a rollback never reads it).
    const userName = 'alice.ops';
    const [current] = await new SdkIamGateway(memberIam(observer, accountId)).listAccessKeys(userName);
    const oldKey = { accessKeyId: current?.accessKeyId ?? '', secretAccessKey: 'stored-by-an-earlier-run' };
    const secretName = `keywarden/${userName}`;
    await secrets().putNewVersion(secretName, formatKeySecret(oldKey));
    const spec = testSpec({
      id: uniqueId('rb-campaign'),
      scope: { includeAccounts: [accountId] },
      windows: { adoption: '1h', grace: '1h' },
    });
    await startCampaign(worker.client, worker.taskQueue, spec);
    started.push(spec.id);
    // The saga verifies the new key and promotes it, then sleeps through its adoption window.
    const deadline = Date.now() + 120_000;
    while ((await currentSecretKey(secretName)) === oldKey.accessKeyId) {
      assert.ok(Date.now() < deadline, 'the saga promoted a new key in time');
      await delay(500);
    }
    const run = await rollback(userName);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`${keyWorkflowId(accountId, userName)} is working`), run.stderr);
    assert.notEqual(await currentSecretKey(secretName), oldKey.accessKeyId, 'nothing was moved');
  });

  test('bad input is refused before anything starts (exit code 2)', async () => {
    const noReason = await runKeywarden(env, 'rollback', accountId, 'someone');
    assert.equal(noReason.code, 2, noReason.stderr);
    assert.match(noReason.stderr, /--reason/);
    const badAccount = await runKeywarden(env, 'rollback', '1234', 'someone', '--reason', 'x');
    assert.equal(badAccount.code, 2, badAccount.stderr);
    assert.match(badAccount.stderr, /exactly 12 digits/);
  });
});
