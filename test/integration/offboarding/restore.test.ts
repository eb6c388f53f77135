import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import { containmentPolicyDocument } from '../../../activities/offboarding-policy';
import { startOffboarding } from '../../../client/offboarding-client';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { parseOffboardingRequest, type OffboardingRequestInput } from '../../../domain/offboarding-request';
import type { SeededOrg } from '../../../sandbox/seed-org';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';
import {
  addEveryCredential,
  APPROVER,
  DENY_POLICY,
  offboardingBody,
  waitForStatus,
} from './offboarding-fixtures';
import { memberIam, snapshotIam, type IamSnapshot } from '../../support/aws-snapshot';

describe('a rejection or an approval timeout restores the recorded prior state exactly', () => {
  const stack = testStack();
  let org: SeededOrg;
  let aws: AwsClients;
  let worker: RunningWorker;
  let accounts: string[];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 3 });
    aws = awsClientsFor(stack, org);
    accounts = org.accounts.map((a) => a.accountId).sort();
    // A leaver with more than keys: restore must leave all of it exactly as it was.
    const mallory = org.users.find((u) => u.userName === 'mallory')!;
    await addEveryCredential(memberIam(aws, mallory.accountId), 'mallory');
    worker = await startTestWorker(stack, org);
  });
  after(async () => {
    await worker?.stop();
    aws?.destroy();
  });

  const start = async (input: OffboardingRequestInput): Promise<string> => {
    const parsed = parseOffboardingRequest(input);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const started = await startOffboarding(worker.client, {
      taskQueue: worker.taskQueue,
      request: parsed.request,
      requestedAt: new Date().toISOString(),
    });
    assert.equal(started.duplicate, false);
    return started.workflowId;
  };

  const assertContained = (snapshot: IamSnapshot, users: OffboardingStatus['users']): void => {
    for (const user of users) {
      const now = snapshot[user.accountId]![user.userName]!;
      assert.ok(
        now.keys.every((k) => k.status === 'Inactive'),
        `${user.userName}: keys inactive`,
      );
      assert.ok(user.sessionsIssuedBefore, 'the containment time of the deny policy is recorded');
      assert.equal(now.inlinePolicies[DENY_POLICY], containmentPolicyDocument(user.sessionsIssuedBefore));
    }
  };

  const assertRestored = (result: OffboardingStatus, before_: IamSnapshot, now: IamSnapshot): void => {
    assert.equal(result.phase, 'restored');
    assert.ok(result.users.length > 0);
    for (const user of result.users) {
      assert.equal(user.error, undefined, user.error);
      const was = before_[user.accountId]![user.userName]!;
      const is = now[user.accountId]![user.userName]!;
      // Spelled out for the record, then the whole org compared byte for byte.
      for (const key of was.keys) {
        assert.equal(
          is.keys.find((k) => k.accessKeyId === key.accessKeyId)?.status,
          key.status,
          `${user.userName} ${key.accessKeyId}`,
        );
      }
      assert.equal(is.inlinePolicies[DENY_POLICY], undefined, 'the deny policy is gone');
    }
    assert.deepEqual(now, before_);
  };

  test('reject by an approver restores every user', async () => {
    const before_ = await snapshotIam(aws, accounts);
    const workflowId = await start(offboardingBody(`emp-reject-${Date.now()}`));
    const contained = await waitForStatus(worker.client, workflowId, (s) => s.phase === 'awaiting-approval');
    assert.equal(contained.users.length, 3);
    assertContained(await snapshotIam(aws, accounts), contained.users);

    const handle = worker.client.workflow.getHandle(workflowId);
    await handle.signal('reject', { approver: APPROVER, comment: 'not a leaver' });
    const result = (await handle.result()) as OffboardingStatus;
    assert.equal(result.approval.decision?.outcome, 'rejected');
    // mallory had an active and an inactive key: the active one is back, the inactive one stays.
    const mallory = result.users.find((u) => u.userName === 'mallory')!;
    assert.equal(mallory.restore?.reactivatedKeyIds.length, 1);
    assert.equal(mallory.restore?.leftInactiveKeyIds.length, 1);
    assertRestored(result, before_, await snapshotIam(aws, accounts));
  });

  test('no decision within the timeout escalates: every user stays contained until HR cancels', async () => {
    const before_ = await snapshotIam(aws, accounts);
    // ivan.rotated has one active and one inactive key in every account.
    const workflowId = await start(
      offboardingBody(`emp-timeout-${Date.now()}`, {
        match: { userNames: ['ivan.rotated'] },
        approval: { approvers: [APPROVER], timeout: '2s' },
      }),
    );
    // Silence never restores: past the timeout (twice over) the run escalates and stays contained.
    const escalated = await waitForStatus(
      worker.client,
      workflowId,
      (s) => s.phase === 'escalated' && (s.escalations?.length ?? 0) >= 2,
    );
    assert.equal(escalated.approval.decision, undefined, 'still waiting for a person');
    assert.equal(escalated.users.length, accounts.length);
    assert.ok(escalated.users.every((u) => u.alreadyContained === false && u.containedAt !== undefined));
    assertContained(await snapshotIam(aws, accounts), escalated.users);

    const handle = worker.client.workflow.getHandle(workflowId);
    await handle.signal('cancel', { approver: APPROVER, comment: 'not leaving after all' });
    const result = (await handle.result()) as OffboardingStatus;
    assert.equal(result.approval.decision?.outcome, 'cancelled');
    assertRestored(result, before_, await snapshotIam(aws, accounts));
  });

  test('a second containment of a contained user keeps the first prior state (idempotent)', async () => {
    const before_ = await snapshotIam(aws, accounts);
    const first = await start(
      offboardingBody(`emp-twice-a-${Date.now()}`, {
        match: { userNames: ['carol.dev'] },
        scope: { includeAccounts: [accounts[0]!] },
      }),
    );
    await waitForStatus(worker.client, first, (s) => s.phase === 'awaiting-approval');
    // Another offboarding of the same person finds the user already contained: it derives the
    // prior state conservatively and says so, instead of taking the contained state for the original.
    const second = await start(
      offboardingBody(`emp-twice-b-${Date.now()}`, {
        match: { userNames: ['carol.dev'] },
        scope: { includeAccounts: [accounts[0]!] },
      }),
    );
    const again = await waitForStatus(worker.client, second, (s) => s.phase === 'awaiting-approval');
    const user = again.users[0]!;
    assert.equal(user.alreadyContained, true);
    assert.equal(user.prior?.source, 'inferred');
    assert.equal(user.prior?.accessKeys[0]?.status, 'Inactive');
    assert.deepEqual(user.prior?.uncertainKeyIds, [user.prior?.accessKeys[0]?.id]);

    // The first offboarding, which holds the observed prior state, restores the user exactly.
    await worker.client.workflow.getHandle(second).terminate('test: the duplicate offboarding is not needed');
    const handle = worker.client.workflow.getHandle(first);
    await handle.signal('cancel', { approver: APPROVER });
    assertRestored((await handle.result()) as OffboardingStatus, before_, await snapshotIam(aws, accounts));
  });
});
