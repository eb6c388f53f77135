import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal, rejectSignal } from '../../../workflows/messages';
import {
  currentSecret,
  snapshotAccount,
  snapshotAccounts,
  type AccountSnapshot,
} from '../../support/aws-snapshot';
import {
  APPROVERS,
  INITIATOR,
  accountReports,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

const ROTATED = ['alice.ops', 'build-bot', 'heidi.unused'];

describe('approval outcomes on the real stack', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 4 });
    worker = await startTestWorker(stack, org);
  });
  after(async () => worker?.stop());

  /** After a rollback: the old key is active again, and the new key stays stored as AWSCURRENT. */
  async function assertRolledBack(accountId: string, beforeSnapshot: AccountSnapshot, campaignId: string) {
    const after_ = await snapshotAccount(worker.aws, accountId);
    for (const userName of ROTATED) {
      const [oldKey] = beforeSnapshot.users[userName]!.keys;
      const keys = after_.users[userName]!.keys;
      assert.equal(keys.length, 2, `${userName}: old and new key`);
      assert.equal(
        keys.find((k) => k.accessKeyId === oldKey!.accessKeyId)?.status,
        'Active',
        'old key reactivated',
      );
      const newKey = keys.find((k) => k.accessKeyId !== oldKey!.accessKeyId);
      assert.equal(newKey?.status, 'Active');
      const stored = await currentSecret(worker.aws, accountId, `keywarden/${userName}`);
      assert.equal(stored?.AccessKeyId, newKey?.accessKeyId, 'the new key stays stored');
    }
    const [report] = (await accountReports(worker.client, campaignId, 1)).filter(
      (r) => r.accountId === accountId,
    );
    for (const userName of ROTATED) {
      assert.equal(report?.users.find((u) => u.userName === userName)?.status, 'rolled-back');
    }
  }

  test('a reject reactivates the old keys, keeps the new ones, and reports rolled-back', async () => {
    const accountId = org.accounts[0]!.accountId;
    const beforeSnapshot = await snapshotAccount(worker.aws, accountId);
    const spec = testSpec({ id: uniqueId('reject'), scope: { includeAccounts: [accountId] } });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    await handle.signal(rejectSignal, { approver: APPROVERS[1], comment: 'not this week' });
    const status = await handle.result();
    assert.equal(status.approval.pastRounds[0]?.outcome, 'rejected');
    assert.match(status.approval.pastRounds[0]?.reason ?? '', /not this week/);
    assert.equal(status.users['rolled-back'], ROTATED.length);
    await assertRolledBack(accountId, beforeSnapshot, spec.id);
  });

  test('an approval timeout with onTimeout: reject rolls back the same way', async () => {
    const accountId = org.accounts[1]!.accountId;
    const beforeSnapshot = await snapshotAccount(worker.aws, accountId);
    const spec = testSpec({
      id: uniqueId('timeout'),
      scope: { includeAccounts: [accountId] },
      approval: { approvers: APPROVERS, timeout: '2s', onTimeout: 'reject' },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    const status = await handle.result();
    assert.equal(status.approval.pastRounds[0]?.outcome, 'timed-out');
    assert.equal(status.users['rolled-back'], ROTATED.length);
    await assertRolledBack(accountId, beforeSnapshot, spec.id);
  });

  test('invalid approvals change nothing and are listed with their reasons', async () => {
    const accountIds = [org.accounts[2]!.accountId, org.accounts[3]!.accountId];
    const spec = testSpec({
      id: uniqueId('invalid'),
      scope: { includeAccounts: accountIds },
      approval: { approvers: [...APPROVERS, INITIATOR], requiredApprovals: 2, timeout: '10m' },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    const waiting = await snapshotAccounts(worker.aws, accountIds);

    await handle.signal(approveSignal, { approver: 'mallory@example.com' });
    await handle.signal(approveSignal, { approver: INITIATOR });
    await handle.signal(approveSignal, { approver: 'ciso@example.com', extra: 'x' });
    await handle.signal(approveSignal, 'approve please');
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    await handle.signal(approveSignal, { approver: APPROVERS[0]!.toUpperCase() });

    const status = await waitForPhase(handle, ['awaiting-approval']);
    const reasons = status.approval.rejectedAttempts.map((a) => a.reason);
    assert.equal(reasons.length, 5, JSON.stringify(reasons));
    assert.match(reasons[0]!, /^unknown approver: mallory@example.com/);
    assert.match(reasons[1]!, /^self-approval/);
    assert.match(reasons[2]!, /^malformed/);
    assert.match(reasons[3]!, /^malformed/);
    assert.match(reasons[4]!, /^duplicate/);
    assert.deepEqual(
      status.approval.approvals.map((a) => a.approver),
      [APPROVERS[0]],
    );
    assert.equal(status.approval.decision, undefined);
    // Nothing moved: old keys are still there (inactive), nothing deleted.
    assert.deepEqual(await snapshotAccounts(worker.aws, accountIds), waiting);

    await handle.signal(approveSignal, { approver: APPROVERS[1] });
    const final = await handle.result();
    assert.equal(final.approval.pastRounds[0]?.outcome, 'approved');
    assert.equal(final.users.rotated, ROTATED.length * accountIds.length);
  });
});
