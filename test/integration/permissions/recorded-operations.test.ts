import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AwsClients } from '../../../activities/aws/clients';
import { createKeyActivities } from '../../../activities/key-activities';
import { createTroubleshootActivities } from '../../../activities/troubleshoot-activities';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../../domain/access';
import { createMonitorActivities } from '../../../activities/monitor-activities';
import { createNotificationActivities } from '../../../activities/notification-activities';
import { AWS_OPERATIONS, type AwsPrincipal } from '../../../domain/aws-permissions';
import {
  IamPolicyOptionsSchema,
  managementPolicy,
  memberPermissionPolicy,
  type PolicyDocument,
} from '../../../domain/iam-policy';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { memberIam, memberRef } from '../../support/aws-snapshot';
import { OperationRecorder } from '../../support/operation-recorder';
import { attachScpWithApproval, offboard, rotateWithApproval } from '../../support/permission-scenarios';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';
import { addEveryCredential, LEAVER_EMAIL } from '../offboarding/offboarding-fixtures';
import { startRevocation } from '../../../client/revocation-client';
import { parseRevokeRequest } from '../../../domain/revoke-request';
import type { RevokeStatus } from '../../../domain/revoke-report';
import { approveSignal } from '../../../workflows/messages';
import { APPROVERS } from '../../support/campaign-helpers';

/** Every action a policy allows (the generated policies are Allow-only). */
function allowedActions(policy: PolicyDocument): string[] {
  return policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

/** Runs a real activity outside a worker, under its own activity type (for the recorder). */
function runActivity<R>(activityType: string, fn: () => Promise<R>): Promise<R> {
  return new MockActivityEnvironment({ activityType }).run<[], R, () => Promise<R>>(fn);
}

/**
 * What a principal's policy may allow beyond what the scenario records: the rows of the table
 * that say why the tests cannot make them, and the further actions a call needs within one
 * request (CreateSecret with Tags needs TagResource), which no client sends on its own.
 */
function allowedButNotRecorded(principal: AwsPrincipal): string[] {
  const rows = AWS_OPERATIONS.filter((row) => row.principal === principal);
  return [
    ...rows.filter((row) => row.notExercised !== undefined).map((row) => row.operation),
    ...rows.flatMap((row) => row.alsoRequires ?? []),
  ].sort();
}

describe('the generated policies allow exactly the AWS operations keywarden performs', () => {
  const stack = testStack();
  const recorder = new OperationRecorder();
  const options = IamPolicyOptionsSchema.parse({});
  let org: SeededOrg;
  let observer: AwsClients;
  let recordingAws: AwsClients;
  let worker: RunningWorker;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 2 });
    observer = awsClientsFor(stack, org);
    // The leaver holds every credential type, so the purge has something to remove at each step.
    await addEveryCredential(memberIam(observer, org.accounts[0]!.accountId), 'mallory');
    recordingAws = new AwsClients(observer.env, undefined, { onCommand: recorder.onCommand });
    worker = await startTestWorker(stack, org, { aws: recordingAws });
  });
  after(async () => {
    await worker?.stop();
    recordingAws?.destroy();
    observer?.destroy();
  });

  test('a rotation with deletion, a purge, a restore, a compensation, a revocation, a poll of the monitor queue and a notification e-mail', async () => {
    const [first, second] = org.accounts.map((a) => a.accountId) as [string, string];

    const rotation = await rotateWithApproval(worker, [first]);
    assert.equal(rotation.status.users.rotated, 3, JSON.stringify(rotation.status.users));

    // The member accounts only: the management account has no member role, so an org-wide run ends incomplete.
    const purge = await offboard(worker, 'approve', {
      match: { tagValues: [LEAVER_EMAIL] },
      scope: { includeAccounts: [first, second] },
    });
    assert.equal(purge.result.phase, 'completed');
    assert.equal(purge.result.users.length, 2);
    for (const user of purge.result.users) assert.equal(user.error, undefined, user.error);

    const restore = await offboard(worker, 'reject', {
      match: { userNames: ['carol.dev'] },
      scope: { includeAccounts: [second] },
    });
    assert.equal(restore.result.phase, 'restored');
    assert.equal(restore.result.users[0]?.restore?.reactivatedKeyIds.length, 1);

    // The compensation of a saga that created the user's secret, with readers (real activities, real emulator).
    const activities = createKeyActivities({ aws: recordingAws });
    const target = { ...memberRef(second), sessionName: 'keywarden-compensation-probe' };
    const secretName = 'keywarden/grace.console';
    const readers = [`arn:aws:iam::${second}:role/payments-app`];
    const secret = { type: 'secretsmanager', name: secretName, readers } as const;
    const staged = await runActivity('createAndStageKey', () =>
      activities.createAndStageKey({
        target,
        userName: 'grace.console',
        knownAccessKeyIds: [],
        secretName,
        destination: secret,
      }),
    );
    assert.equal(staged.secretCreated, true);
    const discarded = await runActivity('discardNewKey', () =>
      activities.discardNewKey({
        target,
        userName: 'grace.console',
        secretName,
        destination: secret,
        ...staged,
      }),
    );
    assert.deepEqual(discarded, { keyDeleted: true, secret: 'deleted' });

    // A revocation with a replacement, deleted after approval.
    const leaked = org.users.find((u) => u.accountId === second && u.userName === 'alice.ops')
      ?.accessKeyIds[0];
    const parsed = parseRevokeRequest({
      accessKeyId: leaked,
      reason: 'least-privilege test',
      initiator: 'responder@example.com',
      replace: true,
      approval: { approvers: [APPROVERS[0]] },
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const revocation = await startRevocation(worker.client, {
      taskQueue: worker.taskQueue,
      request: parsed.request,
      requestedAt: new Date().toISOString(),
    });
    const handle = worker.client.workflow.getHandle(revocation.workflowId);
    for (let i = 0; (await handle.query<RevokeStatus>('status')).phase !== 'awaiting-approval'; i++) {
      assert.ok(i < 300, 'the revocation reaches its approval gate');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    assert.equal(((await handle.result()) as RevokeStatus).phase, 'deleted');
    // whois / doctor: a rotated key read back (its account and OU, the user's groups, its secret).
    const rotatedKey = rotation.reports[0]?.users.find((u) => u.userName === 'alice.ops')?.newAccessKeyId;
    const lookup = await runActivity('lookUpKey', () =>
      createTroubleshootActivities({ aws: recordingAws }).lookUpKey({
        accessKeyId: rotatedKey,
        roleName: DEFAULT_MEMBER_ROLE_NAME,
      }),
    );
    assert.equal(lookup.key?.accessKeyId, rotatedKey);
    assert.equal(lookup.stored[0]?.name, 'keywarden/alice.ops');
    // The drift monitor's queue (real activities, real emulator): a message is read and deleted.
    const monitor = createMonitorActivities({ aws: recordingAws });
    const sqs = observer.managementSqs();
    const { QueueUrl: queueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'keywarden-monitor-permissions' }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"not": "an event"}' }));
    await runActivity('checkMonitorQueue', () => monitor.checkMonitorQueue({ queueUrl }));
    const polled = await runActivity('pollMonitorQueue', () =>
      monitor.pollMonitorQueue({ queueUrl, waitTimeSeconds: 1, pollBudgetSeconds: 5 }),
    );
    assert.equal(polled.messages, 1);
    assert.equal(polled.skipped[0]?.kind, 'not-cloudtrail');
    // A notification e-mail through SES, from the worker's own account (real activity, real emulator).
    const sender = 'keywarden-permissions@example.com';
    await observer.managementSes().send(new VerifyEmailIdentityCommand({ EmailAddress: sender }));
    const notifier = createNotificationActivities({ aws: recordingAws, notify: { emailFrom: sender } });
    const mailed = await runActivity('notifyApprovers', () =>
      notifier.notifyApprovers({
        webhook: false,
        email: {},
        approvers: [APPROVERS[0] ?? ''],
        notice: {
          kind: 'decided',
          workflowId: 'permissions-probe',
          round: 1,
          outcome: 'approved',
          by: [APPROVERS[0] ?? ''],
          reason: 'least-privilege test',
        },
      }),
    );
    assert.deepEqual(mailed, { sent: [`email:${APPROVERS[0]}`], failed: [] });
    // Two approved SCP attachments: the first creates the policy, the second finds it by name.
    for (const ou of org.ous.filter((o) => o.name === 'Prod' || o.name === 'Dev')) {
      const attached = await attachScpWithApproval(worker, ou.id);
      assert.equal(attached.phase, 'attached', attached.error);
    }
    // A Parameter Store destination: staged, verified and promoted; and a compensation that
    // deletes the parameter it created.
    const stagedIn = async (userName: string) => {
      const destination = { type: 'ssm-parameter', name: `/keywarden/${second}/${userName}` } as const;
      const made = await runActivity('createAndStageKey', () =>
        activities.createAndStageKey({ target, userName, knownAccessKeyIds: [], secretName, destination }),
      );
      return { target, userName, secretName, destination, ...made };
    };
    const parameter = await stagedIn('grace.console');
    await runActivity('verifyStagedKey', () => activities.verifyStagedKey(parameter));
    assert.deepEqual(await runActivity('promoteStagedKey', () => activities.promoteStagedKey(parameter)), {});
    const unverified = await stagedIn('heidi.unused');
    assert.deepEqual(await runActivity('discardNewKey', () => activities.discardNewKey(unverified)), {
      keyDeleted: true,
      secret: 'deleted',
    });
  });

  test('every recorded operation is a row of the table, for the principal and activity that made it', () => {
    assert.ok(recorder.calls.length > 100, `recorded ${recorder.calls.length} calls`);
    const rows = new Map(AWS_OPERATIONS.map((row) => [row.operation, row]));
    const strays = new Set<string>();
    for (const call of recorder.calls) {
      const row = rows.get(call.operation);
      if (row === undefined) strays.add(`${call.operation}: not in domain/aws-permissions.ts`);
      else if (row.principal !== call.principal)
        strays.add(`${call.operation}: made by ${call.principal}, the table says ${row.principal}`);
      else if (call.activity === undefined) strays.add(`${call.operation}: made outside any activity`);
      else if (!row.calledBy.includes(call.activity))
        strays.add(`${call.operation}: made by activity ${call.activity}, not in its calledBy`);
    }
    assert.deepEqual([...strays].sort(), []);
  });

  test('every row of the table was exercised, except those that say why not', () => {
    for (const principal of ['member-role', 'worker'] as const) {
      const expected = AWS_OPERATIONS.filter((r) => r.principal === principal && r.notExercised === undefined)
        .map((r) => r.operation)
        .sort();
      assert.deepEqual(recorder.operations(principal), expected, principal);
    }
  });

  test('the member policy and the management policy allow the recorded operations and nothing else', () => {
    const cases = [
      { principal: 'member-role', policy: memberPermissionPolicy(options) },
      { principal: 'worker', policy: managementPolicy(options) },
    ] as const;
    // Today: DeleteServiceSpecificCredential, TagResource, AddTagsToResource, and the three KMS
    // actions the key stores call on the role's behalf. Granting more that no test exercises
    // should be a deliberate choice, made here.
    assert.equal(
      allowedButNotRecorded('worker').length + allowedButNotRecorded('member-role').length,
      6,
      'permissions granted without being exercised',
    );
    for (const { principal, policy } of cases) {
      const recorded = recorder.operations(principal);
      const allowed = allowedActions(policy);
      assert.deepEqual(
        allowed.filter((action) => !recorded.includes(action)),
        allowedButNotRecorded(principal),
        `${principal}: allowed but never called`,
      );
      assert.deepEqual(
        recorded.filter((action) => !allowed.includes(action)),
        [],
        `${principal}: called but not allowed`,
      );
    }
  });
});
