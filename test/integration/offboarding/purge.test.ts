import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AwsClients } from '../../../activities/aws/clients';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { buildWebhookServer } from '../../../client/webhook/server';
import { PURGE_STEPS, type OffboardingStatus } from '../../../domain/offboarding-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  workerLogLines,
  type RunningWorker,
} from '../../support/test-stack';
import {
  addEveryCredential,
  addToGroup,
  APPROVER,
  CommandRecorder,
  DENY_POLICY,
  leaverAccounts,
  newWebhookSecret,
  postOffboarding,
  testPolicy,
  waitForStatus,
  webhookBody,
} from './offboarding-fixtures';
import { memberIam, snapshotIam, snapshotUser } from '../../support/aws-snapshot';

/** The calls that change a user, in the order the purge must send them. */
const PURGE_CALL = /^(Delete|Deactivate|Detach|Remove|ListServiceSpecificCredentials)/;

describe('after approval the leaver is purged in the order AWS documents', () => {
  const stack = testStack();
  const secret = newWebhookSecret();
  const recorder = new CommandRecorder();
  let org: SeededOrg;
  let verifyAws: AwsClients;
  let workerAws: AwsClients;
  let worker: RunningWorker;
  let app: FastifyInstance;
  let richAccount: string;
  let loginPassword: string;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 4 });
    verifyAws = awsClientsFor(stack, org);
    workerAws = new AwsClients(verifyAws.env, undefined, { onCommand: recorder.onCommand });
    // One leaver holds every credential type the emulator supports.
    assert.equal(leaverAccounts(org).length, 3);
    richAccount = org.users.find((u) => u.userName === 'mallory')!.accountId;
    ({ password: loginPassword } = await addEveryCredential(memberIam(verifyAws, richAccount), 'mallory'));
    worker = await startTestWorker(stack, org, { aws: workerAws });
    app = buildWebhookServer({
      client: worker.client,
      taskQueue: worker.taskQueue,
      policy: testPolicy(),
      secret,
    });
  });
  after(async () => {
    await app?.close();
    await worker?.stop();
    workerAws?.destroy();
    verifyAws?.destroy();
  });

  const approveAndWait = async (workflowId: string): Promise<OffboardingStatus> => {
    await waitForStatus(worker.client, workflowId, (s) => s.phase === 'awaiting-approval');
    const handle = worker.client.workflow.getHandle(workflowId);
    await handle.signal('approve', { approver: APPROVER, comment: 'confirmed leaver' });
    return (await handle.result()) as OffboardingStatus;
  };

  test('delete-user: every credential removed first, in order, then the user', async (t) => {
    const employeeId = `emp-purge-${Date.now()}`;
    const { response } = await postOffboarding(app, secret, webhookBody(employeeId));
    assert.equal(response.statusCode, 202, response.body);
    const workflowId = `offboard-${employeeId}`;
    const contained = await waitForStatus(worker.client, workflowId, (s) => s.phase === 'awaiting-approval');
    t.diagnostic(
      `time to containment: ${contained.timeToContainmentMs} ms for ${contained.users.length} users`,
    );
    const rich = contained.users.find((u) => u.accountId === richAccount)!;
    assert.equal(rich.prior?.loginProfile, true);
    assert.equal(rich.prior?.mfaDevices.length, 1);
    assert.equal(rich.prior?.sshPublicKeys.length, 1);
    assert.equal(rich.prior?.signingCertificates.length, 1);
    assert.deepEqual(rich.prior?.inlinePolicyNames, ['read-s3']);
    assert.equal(rich.prior?.attachedPolicyArns.length, 1);
    assert.deepEqual(rich.prior?.groups, ['developers']);

    recorder.clear();
    const result = await approveAndWait(workflowId);
    // Every leaver found is purged; the management account (no member role to assume) was never
    // searched, so the run says it is incomplete instead of claiming the leaver is gone everywhere.
    assert.equal(result.phase, 'incomplete');
    assert.deepEqual(result.accountsNotCovered, [org.managementAccountId]);
    assert.equal(result.approval.decision?.outcome, 'approved');
    assert.deepEqual(result.approval.decision?.by, [APPROVER]);

    for (const user of result.users) {
      assert.equal(user.error, undefined, user.error);
      assert.deepEqual(
        user.purgeSteps.map((s) => s.step),
        [...PURGE_STEPS],
        'every step, in AWS order',
      );
      const ssc = user.purgeSteps.find((s) => s.step === 'service-specific-credentials')!;
      assert.equal(ssc.status, 'skipped');
      assert.match(ssc.reason ?? '', /NotImplemented/);
      assert.equal(user.purgeSteps.at(-1)?.status, 'done');
      const iam = new SdkIamGateway(memberIam(verifyAws, user.accountId));
      assert.equal(await iam.getUser(user.userName), undefined, `${user.userName} is deleted`);
    }

    const purged = result.users.find((u) => u.accountId === richAccount)!;
    const richSteps = Object.fromEntries(purged.purgeSteps.map((s) => [s.step, s]));
    assert.deepEqual(richSteps['login-profile']?.items, ['login-profile']);
    assert.equal(richSteps['access-keys']?.items.length, 2);
    assert.equal(richSteps['signing-certificates']?.items.length, 1);
    assert.equal(richSteps['ssh-public-keys']?.items.length, 1);
    assert.equal(richSteps['mfa-devices']?.items.length, 1);
    assert.deepEqual(richSteps['inline-policies']?.items.sort(), [DENY_POLICY, 'read-s3'].sort());
    assert.equal(richSteps['attached-policies']?.items.length, 1);
    assert.deepEqual(richSteps.groups?.items, ['developers']);
    assert.deepEqual(richSteps.user?.items, ['mallory']);

    // The IAM calls as the emulator received them, for the user with every credential type.
    const calls = recorder.forAccount(richAccount).filter((name) => PURGE_CALL.test(name));
    t.diagnostic(`purge calls: ${calls.join(' ')}`);
    assert.deepEqual(calls, [
      'DeleteLoginProfileCommand',
      'DeleteAccessKeyCommand',
      'DeleteAccessKeyCommand',
      'DeleteSigningCertificateCommand',
      'DeleteSSHPublicKeyCommand',
      'ListServiceSpecificCredentialsCommand',
      'DeactivateMFADeviceCommand',
      'DeleteVirtualMFADeviceCommand',
      'DeleteUserPolicyCommand',
      'DeleteUserPolicyCommand',
      'DetachUserPolicyCommand',
      'RemoveUserFromGroupCommand',
      'DeleteUserCommand',
    ]);
    // The unimplemented API was called once per user: reported, not retried.
    assert.equal(
      recorder.calls.filter((c) => c.commandName === 'ListServiceSpecificCredentialsCommand').length,
      result.users.length,
    );
    // The login password set in the setup never reached a log.
    assert.ok(!workerLogLines.join('\n').includes(loginPassword));
  });

  test('strip-credentials: the user stays, with no credentials, policies or groups', async () => {
    // dave.legacy (two active keys) in one account, given every other credential type first.
    const account = org.accounts.map((a) => a.accountId).sort()[3]!;
    const raw = memberIam(verifyAws, account);
    await addEveryCredential(raw, 'dave.legacy');
    await addToGroup(raw, 'dave.legacy', 'developers');
    const others = await snapshotIam(
      verifyAws,
      org.accounts.map((a) => a.accountId),
    );

    const employeeId = `emp-strip-${Date.now()}`;
    // The scope is the server's: a webhook whose policy searches this one account.
    const scoped = buildWebhookServer({
      client: worker.client,
      taskQueue: worker.taskQueue,
      policy: testPolicy({ scope: { accounts: [account] } }),
      secret,
    });
    const { response } = await postOffboarding(
      scoped,
      secret,
      webhookBody(employeeId, { match: { userNames: ['dave.legacy'] }, purgeMode: 'strip-credentials' }),
    );
    await scoped.close();
    assert.equal(response.statusCode, 202, response.body);
    const result = await approveAndWait(`offboard-${employeeId}`);
    assert.equal(result.phase, 'completed');
    assert.equal(result.purgeMode, 'strip-credentials');
    assert.deepEqual(result.accountsSearched, [account]);
    assert.equal(result.users.length, 1);
    const [user] = result.users;
    assert.equal(user?.error, undefined, user?.error);
    assert.deepEqual(
      user?.purgeSteps.map((s) => s.step),
      PURGE_STEPS.filter((s) => s !== 'user'),
    );

    const iam = new SdkIamGateway(raw);
    assert.ok(await iam.getUser('dave.legacy'), 'the user is kept');
    const bare = await snapshotUser(iam, 'dave.legacy');
    assert.deepEqual(bare, {
      tags: others[account]!['dave.legacy']!.tags,
      keys: [],
      loginProfile: false,
      inlinePolicies: {},
      attachedPolicies: [],
      groups: [],
      mfaDevices: [],
      sshPublicKeys: [],
      signingCertificates: [],
    });
    // Nobody else in that account was touched.
    const now = await snapshotIam(verifyAws, [account]);
    const { 'dave.legacy': _dave, ...restNow } = now[account]!;
    const { 'dave.legacy': _daveBefore, ...restBefore } = others[account]!;
    assert.deepEqual(restNow, restBefore);
  });
});
