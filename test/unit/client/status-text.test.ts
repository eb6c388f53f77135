import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kindFromShape } from '../../../client/workflow-kind';
import {
  approvalOf,
  approvalVerdict,
  campaignStatusText,
  pendingApprovals,
} from '../../../client/report/status-text';
import { approvalState, campaignStatus, offboardingStatus } from './fixtures';

describe('status text for a campaign', () => {
  test('phase, counts, approvals with who and when, rejected attempts with reasons, decision', () => {
    const text = campaignStatusText(
      campaignStatus({
        failedAccounts: [{ accountId: '333333333333', error: 'AccessDenied: cannot assume role' }],
      }),
      'http://ui/namespaces/default/workflows/q3-rotation',
    ).join('\n');
    assert.match(text, /phase: +completed/);
    assert.match(text, /users: +1 rotated, 1 skipped, 1 needs-attention/);
    assert.match(text, /approved by security-lead@example\.com at 2025-05-31T23:30:00\.000Z \("ok"\)/);
    assert.match(text, /rejected approve from platform-team@example\.com at .*: self-approval/);
    assert.match(text, /decision: +approved by security-lead@example\.com/);
    assert.match(text, /333333333333: AccessDenied: cannot assume role/);
    assert.match(text, /workflow: +http:\/\/ui\//);
  });

  test('while the gate is open: how many approvals are still needed, and from whom', () => {
    const approval = approvalState({
      requiredApprovals: 2,
      approvers: ['a@example.com', 'b@example.com', 'c@example.com', 'platform-team@example.com'],
      approvals: [{ approver: 'A@example.com', at: 't1' }],
      deadline: '2025-06-02T00:00:00.000Z',
    });
    assert.deepEqual(pendingApprovals(approval), { needed: 1, from: ['b@example.com', 'c@example.com'] });
    const text = campaignStatusText(campaignStatus({ phase: 'awaiting-approval', approval })).join('\n');
    assert.match(text, /pending: +1 more approval\(s\) needed from any of b@example\.com, c@example\.com/);
    assert.match(text, /deadline: +2025-06-02T00:00:00\.000Z \(then reject\)/);
  });
});

describe('status text for a finished campaign that never needed approval', () => {
  test('says there was no decision instead of asking for approvals', () => {
    const text = campaignStatusText(campaignStatus({ approval: approvalState() })).join('\n');
    assert.match(text, /decision: +none/);
    assert.doesNotMatch(text, /more approval/);
  });
});

describe('the verdict on one approval signal', () => {
  const before = approvalState();

  test('a refused signal reports the gate reason', () => {
    const after = approvalState({
      rejectedAttempts: [
        {
          signal: 'approve',
          approver: 'mallory@example.com',
          reason: 'unknown approver: mallory@example.com is not in approval.approvers',
          at: 't',
        },
      ],
    });
    const verdict = approvalVerdict('approve', 'Mallory@example.com', before, after);
    assert.equal(verdict.kind, 'refused');
    assert.match(verdict.lines[0]!, /unknown approver/);
  });

  test('an older refusal of someone else is not this signal’s verdict', () => {
    const old = approvalState({
      rejectedAttempts: [{ signal: 'approve', approver: 'x@example.com', reason: 'duplicate', at: 't' }],
    });
    const after = { ...old, approvals: [{ approver: 'ciso@example.com', at: 't2' }] };
    const verdict = approvalVerdict('approve', 'ciso@example.com', old, { ...after, requiredApprovals: 2 });
    assert.equal(verdict.kind, 'accepted');
    assert.match(verdict.lines.join('\n'), /approval recorded from ciso@example\.com \(1 of 2 required\)/);
    assert.match(
      verdict.lines.join('\n'),
      /1 more approval\(s\) needed from any of security-lead@example\.com/,
    );
  });

  test('an approval that completes the gate reports the decision', () => {
    const after = approvalState({
      approvals: [{ approver: 'ciso@example.com', at: 't' }],
      decision: { outcome: 'approved', by: ['ciso@example.com'], at: 't', reason: '1 of 1 approvals' },
    });
    const verdict = approvalVerdict('approve', 'ciso@example.com', before, after);
    assert.equal(verdict.kind, 'decided');
    assert.match(verdict.lines.join('\n'), /decision: approved by ciso@example\.com/);
  });

  test('a rejection decides; nothing visible yet is "no answer"', () => {
    const after = approvalState({
      decision: { outcome: 'rejected', by: ['ciso@example.com'], at: 't', reason: 'not now' },
    });
    assert.equal(approvalVerdict('reject', 'ciso@example.com', before, after).kind, 'decided');
    assert.equal(approvalVerdict('reject', 'ciso@example.com', before, before).kind, 'no-answer');
    assert.equal(approvalVerdict('approve', 'ciso@example.com', before, undefined).kind, 'no-answer');
  });
});

describe('offboarding status and workflow kinds', () => {
  test('reads an approval record out of any status that carries one', () => {
    assert.ok(approvalOf(offboardingStatus()));
    assert.equal(approvalOf({ phase: 'x' }), undefined);
  });

  test('kinds from the workflow type, else from the ID shape', () => {
    assert.equal(kindFromShape('x', 'offboardEmployee'), 'offboarding');
    assert.equal(kindFromShape('offboard-e-42'), 'offboarding');
    assert.equal(kindFromShape('q3/111111111111'), 'account-rotation');
    assert.equal(kindFromShape('q3/111111111111/ci-bot'), 'key-rotation');
    assert.equal(kindFromShape('q3-rotation'), 'campaign');
  });
});
