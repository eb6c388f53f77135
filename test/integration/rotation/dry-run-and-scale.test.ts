import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import { snapshotAccounts } from '../../support/aws-snapshot';
import {
  APPROVERS,
  accountReports,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

describe('dry run and continue-as-new on the real stack', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let members: string[];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 5 });
    worker = await startTestWorker(stack, org);
    members = org.accounts.map((a) => a.accountId);
  });
  after(async () => worker?.stop());

  test('a dry run changes nothing, and reports every key with its findings', async () => {
    const beforeState = await snapshotAccounts(worker.aws, members);
    const spec = testSpec({
      id: uniqueId('dry'),
      dryRun: true,
      scope: { allAccounts: true, excludeAccounts: [org.managementAccountId] },
    });
    const status = await (await startCampaign(worker.client, worker.taskQueue, spec)).result();
    assert.equal(status.phase, 'completed');
    assert.equal(status.approval.decision, undefined, 'a dry run needs no approval');
    assert.equal(status.approval.pastRounds.length, 0);
    const userCount = Object.values(beforeState).reduce(
      (n, account) => n + Object.keys(account.users).length,
      0,
    );
    assert.ok(status.usersWithoutKeys > 0, 'users without keys are counted from the credential report');
    assert.equal((status.users.inventoried ?? 0) + status.usersWithoutKeys, userCount);
    assert.deepEqual(await snapshotAccounts(worker.aws, members), beforeState);

    const reports = await accountReports(worker.client, spec.id, members.length);
    assert.equal(reports.length, members.length);
    for (const report of reports) {
      assert.equal(report.status, 'inventoried');
      const expectedKeys = Object.values(beforeState[report.accountId]!.users)
        .flatMap((u) => u.keys.map((k) => k.accessKeyId))
        .sort();
      const reportedKeys = report.users.flatMap((u) => u.keys.map((k) => k.accessKeyId)).sort();
      assert.deepEqual(reportedKeys, expectedKeys, 'every key is in the report');
      const byName = Object.fromEntries(report.users.map((u) => [u.userName, u]));
      assert.equal(byName['alice.ops']?.action, 'rotate');
      const codes = (user: string) => byName[user]!.keys.flatMap((k) => k.findings.map((f) => f.code));
      assert.ok(codes('alice.ops').includes('KEY_AGE_OVER_MAX'));
      assert.ok(codes('dave.legacy').includes('TWO_ACTIVE_KEYS'));
      assert.ok(codes('heidi.unused').includes('KEY_CREATED_WITH_USER_UNUSED'));
      assert.ok(codes('heidi.unused').includes('KEY_UNUSED_90_DAYS'));
      assert.ok(codes('erin.exempt').includes('EXEMPT'));
      assert.deepEqual(codes('carol.dev'), []);
    }
  });

  test('a campaign that continues as new completes with a correct aggregate', async () => {
    const state = await snapshotAccounts(worker.aws, members);
    const userCount = Object.values(state).reduce((n, account) => n + Object.keys(account.users).length, 0);
    const spec = testSpec({
      id: uniqueId('can'),
      scope: { allAccounts: true, excludeAccounts: [org.managementAccountId] },
      limits: { maxAccountsInFlight: 1, maxKeysInFlightPerAccount: 3, continueAsNewAfterAccounts: 2 },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    const waiting = await waitForPhase(handle, ['awaiting-approval']);
    assert.equal(waiting.accounts.readyForApproval, members.length);
    assert.equal(waiting.usersAwaitingDecision, 3 * members.length, 'counted across continue-as-new');
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    const status = await handle.result();
    assert.ok(status.continuedAsNew >= 2, `continued as new ${status.continuedAsNew} times`);
    assert.equal(status.phase, 'completed');
    assert.equal(status.accounts.inScope, members.length);
    assert.equal(status.accounts.finished, members.length);
    assert.equal(status.users.rotated, 3 * members.length);
    assert.equal(status.users['needs-attention'], 2 * members.length);
    assert.equal((status.users.skipped ?? 0) + status.usersWithoutKeys, userCount - 5 * members.length);
    const reports = await accountReports(worker.client, spec.id, members.length);
    const rotated = reports.flatMap((r) => r.users.filter((u) => u.status === 'rotated'));
    assert.equal(rotated.length, status.users.rotated, 'the aggregate matches the account reports');
  });
});
