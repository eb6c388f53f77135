import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import {
  GetParameterHistoryCommand,
  PutParameterCommand,
  LabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { ListUserTagsCommand } from '@aws-sdk/client-iam';
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SdkParameterGateway } from '../../../activities/aws/parameter-gateway';
import { createKeyActivities } from '../../../activities/key-activities';
import { parseKeyDescriptionTag } from '../../../domain/key-description-tag';
import type { KeyDestination } from '../../../domain/key-destination';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import { memberRef } from '../../support/aws-snapshot';
import {
  APPROVERS,
  accountReports,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

const ROTATED = ['alice.ops', 'build-bot', 'heidi.unused'];

/** Runs a real activity outside a worker, as its own activity type. */
function runActivity<R>(activityType: string, fn: () => Promise<R>): Promise<R> {
  return new MockActivityEnvironment({ activityType }).run<[], R, () => Promise<R>>(fn);
}

describe('key destinations on the emulator: Parameter Store, KMS, readers, key descriptions', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let ssmAccount: string;
  let secretsAccount: string;
  let kmsKeyId: string;

  const ssm = (accountId: string) => worker.aws.member(memberRef(accountId)).ssm;
  const iam = (accountId: string) => worker.aws.member(memberRef(accountId)).iam;
  const parameterOf = (accountId: string, userName: string) => `/keywarden/${accountId}/${userName}`;
  const history = async (accountId: string, name: string) =>
    (await ssm(accountId).send(new GetParameterHistoryCommand({ Name: name }))).Parameters ?? [];
  const labels = async (accountId: string, name: string): Promise<Record<string, string[]>> =>
    Object.fromEntries(
      (await history(accountId, name)).map((v): [string, string[]] => [
        String(v.Version),
        [...(v.Labels ?? [])].sort(),
      ]),
    );
  const userTags = async (accountId: string, userName: string): Promise<Record<string, string | undefined>> =>
    Object.fromEntries(
      ((await iam(accountId).send(new ListUserTagsCommand({ UserName: userName }))).Tags ?? []).map(
        (t): [string, string | undefined] => [t.Key ?? '', t.Value],
      ),
    );
  const storedKeyId = async (accountId: string, name: string, selector: string | number) => {
    const value = await new SdkParameterGateway(ssm(accountId)).getValue(name, selector);
    return value === undefined ? undefined : (JSON.parse(value.value) as { AccessKeyId: string }).AccessKeyId;
  };

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 2 });
    [ssmAccount, secretsAccount] = org.accounts.map((a) => a.accountId) as [string, string];
    worker = await startTestWorker(stack, org);
    const kms = new KMSClient({
      region: org.region,
      endpoint: stack.awsEndpoint,
      credentials: worker.aws.credentials.provider(memberRef(ssmAccount)),
    });
    kmsKeyId =
      (await kms.send(new CreateKeyCommand({ Description: 'keywarden test key' }))).KeyMetadata?.KeyId ?? '';
    kms.destroy();
    assert.ok(kmsKeyId.length > 0);
  });
  after(async () => worker?.stop());

  test('a Parameter Store rotation under a KMS key: staged, read back, labelled current and previous, rolled back', async () => {
    // alice.ops's consumers already read a parameter that keywarden did not write: its version 1 is current.
    const aliceParameter = parameterOf(ssmAccount, 'alice.ops');
    await ssm(ssmAccount).send(
      new PutParameterCommand({
        Name: aliceParameter,
        Type: 'SecureString',
        Value: '{"AccessKeyId":"AKIAOLD"}',
      }),
    );
    await ssm(ssmAccount).send(
      new LabelParameterVersionCommand({ Name: aliceParameter, ParameterVersion: 1, Labels: ['current'] }),
    );

    const spec = testSpec({
      id: uniqueId('ssm-destination'),
      scope: { includeAccounts: [ssmAccount] },
      destination: { type: 'ssm-parameter', kmsKeyId },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'storage test' });
    const status = await handle.result();
    assert.equal(status.users.rotated, ROTATED.length, JSON.stringify(status.users));

    const [report] = await accountReports(worker.client, spec.id, 1);
    for (const userName of ROTATED) {
      const user = report?.users.find((u) => u.userName === userName);
      const name = parameterOf(ssmAccount, userName);
      assert.ok(user?.newAccessKeyId, userName);
      // The new key was verified from the parameter: the timeline says so, and current holds it.
      assert.ok(
        user.timeline.some((e) => e.event.includes(`label pending) of parameter ${name}`)),
        userName,
      );
      assert.ok(
        user.timeline.some((e) => e.event.startsWith('verified the new key')),
        userName,
      );
      assert.equal(await storedKeyId(ssmAccount, name, 'current'), user.newAccessKeyId);
      for (const version of await history(ssmAccount, name)) {
        if (version.Version !== 1 || userName !== 'alice.ops') assert.equal(version.KeyId, kmsKeyId, name);
        assert.equal(version.Type, 'SecureString');
      }
      // The key's description: in the report, and on the user as the tag named after the key.
      const tags = await userTags(ssmAccount, userName);
      assert.equal(tags[user.newAccessKeyId], user.newKeyDescription);
      assert.deepEqual(parseKeyDescriptionTag(user.newKeyDescription ?? ''), {
        madeBy: { kind: 'campaign', workflowId: spec.id },
        created: new Date().toISOString().slice(0, 10),
        stored: { type: 'ssm-parameter', name },
      });
    }
    assert.deepEqual(await labels(ssmAccount, aliceParameter), { 1: ['previous'], 2: ['current'] });
    assert.deepEqual(await labels(ssmAccount, parameterOf(ssmAccount, 'build-bot')), { 1: ['current'] });

    // Rollback: current goes back to the previous version.
    const gateway = new SdkParameterGateway(ssm(ssmAccount));
    assert.deepEqual(await gateway.restorePreviousVersion(aliceParameter, 3), {
      restored: false,
      reason: 'current-is-not-expected',
    });
    assert.deepEqual(await gateway.restorePreviousVersion(aliceParameter, 2), {
      restored: true,
      fromVersion: 2,
      toVersion: 1,
    });
    assert.equal(await storedKeyId(ssmAccount, aliceParameter, 'current'), 'AKIAOLD');
    assert.deepEqual(await labels(ssmAccount, aliceParameter), { 1: ['current'], 2: [] });
    // Put it back as the rotation left it, for the compensation below.
    await gateway.moveLabel(aliceParameter, 'current', 2);
    await gateway.moveLabel(aliceParameter, 'previous', 1);
  });

  test('compensation on Parameter Store removes only the staged version, and the key with its description', async () => {
    const activities = createKeyActivities({ aws: worker.aws });
    const target = { ...memberRef(ssmAccount), sessionName: 'keywarden-compensation-test' };
    const origin = { kind: 'revocation' as const, workflowId: 'revoke-test' };

    // An existing parameter: the staged version 3 goes, current (2) and previous (1) stay.
    const alice = parameterOf(ssmAccount, 'alice.ops');
    const destination: KeyDestination = { type: 'ssm-parameter', name: alice, kmsKeyId };
    const staged = await runActivity('createAndStageKey', () =>
      activities.createAndStageKey({
        target,
        userName: 'alice.ops',
        knownAccessKeyIds: [],
        secretName: 'unused',
        destination,
        origin,
      }),
    );
    assert.equal(staged.versionId, '3');
    assert.equal(staged.secretCreated, false);
    assert.deepEqual(await labels(ssmAccount, alice), { 1: ['previous'], 2: ['current'], 3: ['pending'] });
    assert.match(
      (await userTags(ssmAccount, 'alice.ops'))[staged.accessKeyId] ?? '',
      /made-by=revocation:revoke-test/,
    );
    const discarded = await runActivity('discardNewKey', () =>
      activities.discardNewKey({
        target,
        userName: 'alice.ops',
        secretName: 'unused',
        destination,
        ...staged,
      }),
    );
    assert.deepEqual(discarded, { keyDeleted: true, secret: 'pending-removed' });
    assert.deepEqual(await labels(ssmAccount, alice), { 1: ['previous'], 2: ['current'], 3: [] });
    assert.equal(
      (await userTags(ssmAccount, 'alice.ops'))[staged.accessKeyId],
      undefined,
      'tag gone with the key',
    );

    // A parameter this saga created is deleted.
    const grace = parameterOf(ssmAccount, 'grace.console');
    const graceDestination: KeyDestination = { type: 'ssm-parameter', name: grace };
    const made = await runActivity('createAndStageKey', () =>
      activities.createAndStageKey({
        target,
        userName: 'grace.console',
        knownAccessKeyIds: [],
        secretName: 'unused',
        destination: graceDestination,
        origin,
      }),
    );
    assert.equal(made.secretCreated, true);
    assert.equal((await userTags(ssmAccount, 'grace.console'))[made.accessKeyId], made.description);
    assert.deepEqual(await labels(ssmAccount, grace), { 1: ['pending'] });
    assert.equal(
      await storedKeyId(ssmAccount, grace, 'current'),
      undefined,
      'nothing reads an unverified key as current',
    );
    await runActivity('discardNewKey', () =>
      activities.discardNewKey({
        target,
        userName: 'grace.console',
        secretName: 'unused',
        destination: graceDestination,
        ...made,
      }),
    );
    assert.deepEqual(await history(ssmAccount, grace).catch((e: Error) => e.name), 'ParameterNotFound');
    assert.equal(
      (await userTags(ssmAccount, 'grace.console'))[made.accessKeyId],
      undefined,
      'tag gone with the key',
    );
  });

  test('a Secrets Manager rotation with readers puts a resource policy that lets them read the secret', async () => {
    const reader = `arn:aws:iam::${secretsAccount}:role/payments-app`;
    const spec = testSpec({
      id: uniqueId('secret-readers'),
      scope: { includeAccounts: [secretsAccount] },
      destination: { readers: [reader] },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'storage test' });
    const status = await handle.result();
    assert.equal(status.users.rotated, ROTATED.length, JSON.stringify(status.users));

    const secrets = worker.aws.member(memberRef(secretsAccount)).secrets;
    const [report] = await accountReports(worker.client, spec.id, 1);
    for (const userName of ROTATED) {
      const out = await secrets.send(new GetResourcePolicyCommand({ SecretId: `keywarden/${userName}` }));
      const policy = JSON.parse(out.ResourcePolicy ?? '{}') as {
        Statement: Array<{ Principal: { AWS: string[] }; Action: string; Effect: string }>;
      };
      assert.deepEqual(
        policy.Statement.map((s) => [s.Effect, s.Action, s.Principal.AWS]),
        [['Allow', 'secretsmanager:GetSecretValue', [reader]]],
      );
      const user = report?.users.find((u) => u.userName === userName);
      assert.match(user?.newKeyDescription ?? '', new RegExp(`stored=secretsmanager:keywarden/${userName}$`));
      // The old key was deleted after the approval; only the new key's description is on the user.
      const tags = await userTags(secretsAccount, userName);
      assert.deepEqual(
        Object.keys(tags).filter(
          (k) => k.startsWith('AKIA') || k.startsWith('ASIA') || /^[A-Z0-9]{16,}$/.test(k),
        ),
        [user?.newAccessKeyId],
      );
    }
  });
});
