import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { controlTable } from '../../../client/report/control-table';
import { gateFor, userKeyViews } from '../../../client/report/key-facts';
import { keyAgeDistribution } from '../../../client/report/key-age-distribution';
import {
  APPROVAL_GIVEN_AT,
  APPROVED_AT,
  NEW,
  OLD,
  RB_NEW,
  RB_OLD,
  beforeAfterReport,
} from './report-before-after-fixture';

function views() {
  const report = beforeAfterReport();
  const now = new Date(report.generatedAt);
  return report.accounts.flatMap((account) =>
    account.users.flatMap((user) => userKeyViews(user, gateFor(account, report.campaign), now)),
  );
}

describe('every key the campaign touched, with its state after the campaign', () => {
  test('the deleted old key reads Deleted, with who approved the deletion and when', () => {
    const old = views().find((v) => v.accessKeyId === OLD)!;
    assert.equal(old.statusBefore, 'Active');
    assert.equal(old.statusAfter, 'Deleted');
    assert.equal(old.role, 'deleted');
    assert.equal(old.action, 'deleted old key');
    assert.deepEqual(old.approval, {
      approvers: [{ approver: 'security-lead@example.com', at: APPROVAL_GIVEN_AT }],
      decidedAt: APPROVED_AT,
      receivedAt: '2025-05-31T23:31:00.000Z',
    });
  });

  test("a rolled-back user's old key is Active again and labelled reactivated, not rotated-out", () => {
    const old = views().find((v) => v.accessKeyId === RB_OLD)!;
    assert.equal(old.statusAfter, 'Active');
    assert.equal(old.role, 'reactivated');
    assert.notEqual(old.role, 'rotated-out');
    assert.equal(old.needsApproval, false);
  });

  test('each new key has its own row: Active, made by the campaign, dated by its creation event', () => {
    for (const id of [NEW, RB_NEW]) {
      const made = views().find((v) => v.accessKeyId === id)!;
      assert.equal(made.role, 'new');
      assert.equal(made.statusBefore, undefined);
      assert.equal(made.statusAfter, 'Active');
      assert.equal(made.createDate, '2025-05-31T23:05:00.000Z');
      assert.equal(made.ageDays, 0);
    }
  });

  test('untouched keys stay as the inventory found them', () => {
    const kept = views().filter((v) => v.accessKeyId.startsWith('AKIATWO'));
    assert.deepEqual(
      kept.map((v) => [v.role, v.statusBefore, v.statusAfter, v.touched]),
      [
        ['kept', 'Active', 'Active', false],
        ['kept', 'Active', 'Active', false],
      ],
    );
  });

  test('a deletion without a matching approval record says so instead of guessing', () => {
    const report = beforeAfterReport();
    report.campaign.approval.pastRounds = [];
    const account = report.accounts[0]!;
    const old = userKeyViews(account.users[0]!, gateFor(account, report.campaign), new Date()).find(
      (v) => v.accessKeyId === OLD,
    )!;
    assert.equal(old.needsApproval, true);
    assert.equal(old.approval, undefined);
  });
});

describe('before and after', () => {
  test('per-control finding counts', () => {
    assert.deepEqual(
      controlTable(beforeAfterReport()).map((r) => [r.controls.join(' '), r.code, r.before, r.after]),
      [
        ['CIS 1.11', 'KEY_CREATED_WITH_USER_UNUSED', 0, 0],
        ['CIS 1.12 SecurityHub IAM.22', 'KEY_UNUSED_45_DAYS', 1, 1],
        // The rollback leaves rb-user with two active keys: 2 before (alice+ops), 4 after.
        ['CIS 1.13', 'TWO_ACTIVE_KEYS', 2, 4],
        ['CIS 1.14 SecurityHub IAM.3', 'KEY_AGE_OVER_MAX', 3, 2],
        ['SecurityHub IAM.8', 'KEY_UNUSED_90_DAYS', 2, 2],
        ['CIS 1.10 SecurityHub IAM.5', 'CONSOLE_USER_WITHOUT_MFA', 1, 1],
        ['CIS 1.4 SecurityHub IAM.4', 'ROOT_ACCESS_KEYS_PRESENT', 0, 0],
      ],
    );
  });

  test('a deactivated old key keeps only the findings an inactive key can have', () => {
    const report = beforeAfterReport();
    const rb = report.accounts[0]!.users[1]!;
    rb.status = 'needs-attention';
    rb.timeline = rb.timeline.slice(0, 2); // deactivated, then stopped before a decision
    const rows = Object.fromEntries(controlTable(report).map((r) => [r.code, r.after]));
    assert.equal(rows.KEY_AGE_OVER_MAX, 1, 'only alice+ops key 2 is still active and old');
    assert.equal(rows.KEY_UNUSED_45_DAYS, 0);
    assert.equal(rows.TWO_ACTIVE_KEYS, 2, "alice+ops only: rb-user's new key is its one active key");
    const old = userKeyViews(rb, undefined, new Date()).find((v) => v.accessKeyId === RB_OLD)!;
    assert.deepEqual([old.role, old.statusAfter], ['rotated-out', 'Inactive']);
  });

  test('the MFA and root rows appear only when the inventory looked for them', () => {
    const report = beforeAfterReport();
    delete report.accounts[1]!.findings;
    assert.deepEqual(
      controlTable(report).map((r) => r.code),
      [
        'KEY_CREATED_WITH_USER_UNUSED',
        'KEY_UNUSED_45_DAYS',
        'TWO_ACTIVE_KEYS',
        'KEY_AGE_OVER_MAX',
        'KEY_UNUSED_90_DAYS',
      ],
    );
  });

  test('key-age buckets at the campaign start: deleted keys leave, new keys count at 0 days', () => {
    assert.deepEqual(
      keyAgeDistribution(beforeAfterReport()).map((b) => [b.label, b.before, b.after]),
      [
        ['0-30', 1, 3],
        ['31-60', 0, 0],
        ['61-90', 0, 0],
        ['91-180', 2, 1],
        ['>180', 1, 1],
      ],
    );
  });
});
