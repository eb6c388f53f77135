import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountRetryDelayMs } from '../../../domain/offboarding-report';
import { judgeSkip } from '../../../domain/offboarding-skip';

const context = {
  initiator: 'hr-system@example.com',
  approvers: ['Security-Lead@example.com'],
  retrying: ['222222222222'],
};

describe('searching an account that does not answer', () => {
  test('backoff: 1 min, doubling, at most 1 h, however many attempts', () => {
    const minutes = [1, 2, 3, 4, 5, 6, 7, 8, 100, 10_000].map((n) => accountRetryDelayMs(n) / 60_000);
    assert.deepEqual(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
  });
});

describe('skip-account', () => {
  test('an approver or the initiator skips an account being retried; the sender is recorded normalised', () => {
    const judgement = judgeSkip(
      { by: ' security-lead@EXAMPLE.com ', accountId: '222222222222', reason: 'account closed last week' },
      context,
    );
    assert.deepEqual(judgement, {
      valid: true,
      skip: {
        by: 'security-lead@example.com',
        accountId: '222222222222',
        reason: 'account closed last week',
      },
    });
    assert.equal(
      judgeSkip({ by: 'hr-system@example.com', accountId: '222222222222', reason: 'gone' }, context).valid,
      true,
    );
  });

  test('refusals name what is wrong without echoing what was sent', () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { by: 'mallory@example.com', accountId: '222222222222', reason: 'x' },
        /only the initiator or a listed approver/,
      ],
      [
        { by: 'hr-system@example.com', accountId: '333333333333', reason: 'x' },
        /333333333333 is not waiting for a retry/,
      ],
      [
        { by: 'hr-system@example.com', accountId: '22', reason: 'x' },
        /accountId: an account ID is exactly 12 digits/,
      ],
      [{ by: 'hr-system@example.com', accountId: '222222222222', reason: ' ' }, /reason: give a reason/],
      [
        { by: 'hr-system@example.com', accountId: '222222222222', reason: 'x', evil: '<script>' },
        /malformed: send \{/,
      ],
      ['skip it', /malformed: send \{"by"/],
    ];
    for (const [payload, reason] of cases) {
      const judgement = judgeSkip(payload, context);
      assert.equal(judgement.valid, false, JSON.stringify(payload));
      if (judgement.valid) continue;
      assert.match(judgement.reason, reason);
      assert.ok(!judgement.reason.includes('mallory') && !judgement.reason.includes('<script>'));
    }
  });
});
