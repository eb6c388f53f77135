import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApprovalPolicy, RecordedApproval } from '../../../domain/approval';
import { isSatisfied, judgeApprove, judgeReject } from '../../../domain/approval';
import { ApprovalSignalSchema } from '../../../domain/approval-signal-schema';

const policy: ApprovalPolicy = {
  approvers: ['Alice@Example.com', 'bob@example.com', 'ops@example.com'],
  requiredApprovals: 2,
  initiator: 'ops@example.com',
};

const at = '2025-06-01T00:00:00.000Z';
const recorded = (...approvers: string[]): RecordedApproval[] =>
  approvers.map((approver) => ({ approver, at }));

function reasonOf(judgement: ReturnType<typeof judgeApprove>): string {
  if (judgement.valid) assert.fail('expected an invalid judgement');
  return judgement.reason;
}

describe('approve', () => {
  test('a listed approver is accepted, normalized, with the comment kept', () => {
    assert.deepEqual(judgeApprove(policy, [], { approver: '  ALICE@example.com ', comment: 'lgtm' }), {
      valid: true,
      approver: 'alice@example.com',
      comment: 'lgtm',
    });
    assert.deepEqual(judgeApprove(policy, [], { approver: 'bob@example.com' }), {
      valid: true,
      approver: 'bob@example.com',
    });
  });

  test('the initiator may not approve, in any letter case (four eyes)', () => {
    const judgement = judgeApprove(policy, [], { approver: 'OPS@example.com' });
    assert.deepEqual(judgement, {
      valid: false,
      approver: 'ops@example.com',
      reason: 'self-approval: the initiator may not approve (four eyes)',
    });
  });

  test('an approver who is not listed is refused', () => {
    assert.deepEqual(judgeApprove(policy, [], { approver: 'mallory@example.com' }), {
      valid: false,
      approver: 'mallory@example.com',
      reason: 'unknown approver: mallory@example.com is not in approval.approvers',
    });
  });

  test('a second approval by the same person is a duplicate, whatever the case', () => {
    const judgement = judgeApprove(policy, ['alice@example.com'], { approver: 'ALICE@EXAMPLE.COM' });
    assert.equal(reasonOf(judgement), 'duplicate: alice@example.com has already approved');
    assert.equal(judgement.approver, 'alice@example.com');
  });

  test('malformed payloads are refused with a short reason', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['alice@example.com', /^malformed: expected a JSON object/],
      [null, /^malformed: expected a JSON object/],
      [[{ approver: 'alice@example.com' }], /^malformed: expected a JSON object/],
      [{}, /^malformed: approver: /],
      [{ approver: '   ' }, /^malformed: approver: .*must not be empty/],
      [{ approver: 42 }, /^malformed: approver: /],
      [{ approver: 'alice@example.com', comment: 'x'.repeat(2001) }, /^malformed: comment: /],
      [{ approver: 'alice@example.com', comment: 7 }, /^malformed: comment: /],
      [
        { approver: 'alice@example.com', extra: 1 },
        /^malformed: unexpected field\(s\); only "approver" and "comment" are allowed$/,
      ],
    ];
    for (const [payload, expected] of cases) {
      const judgement = judgeApprove(policy, [], payload);
      assert.match(reasonOf(judgement), expected, JSON.stringify(payload)?.slice(0, 80));
    }
  });

  test('a malformed reason never echoes payload values or unknown key names', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const payloads: unknown[] = [
      { approver: 'alice@example.com', [secret]: 'x' },
      { approver: 'alice@example.com', note: secret },
      { approver: secret.repeat(10) },
      { approver: 'alice@example.com', comment: secret.repeat(60) },
      secret,
      { approver: ['alice', secret] },
    ];
    for (const payload of payloads) {
      const reason = reasonOf(judgeApprove(policy, [], payload));
      assert.ok(!reason.includes(secret.slice(0, 12)), reason);
      assert.ok(reason.length < 200, reason);
    }
  });

  test('the approver named in a malformed payload is recorded, truncated to 256 characters', () => {
    const judgement = judgeApprove(policy, [], { approver: 'A'.repeat(300) });
    assert.equal(judgement.valid, false);
    assert.equal(judgement.approver, 'a'.repeat(256));
    const extra = judgeApprove(policy, [], { approver: 'Bob@example.com', extra: true });
    assert.equal(extra.approver, 'bob@example.com');
    assert.equal(judgeApprove(policy, [], { approver: 5 }).approver, undefined);
  });

  test('the signal schema is strict', () => {
    assert.equal(ApprovalSignalSchema.safeParse({ approver: 'a@x.io', comment: 'ok' }).success, true);
    assert.equal(ApprovalSignalSchema.safeParse({ approver: 'a@x.io', approve: true }).success, false);
  });

  test('judgements are deterministic', () => {
    const payload = { approver: 'Bob@Example.com', comment: 'ok' };
    assert.deepEqual(
      judgeApprove(policy, ['alice@example.com'], payload),
      judgeApprove(policy, ['alice@example.com'], { ...payload }),
    );
  });
});

describe('reject', () => {
  test('a listed approver may reject', () => {
    assert.deepEqual(judgeReject(policy, { approver: 'Bob@example.com', comment: 'not now' }), {
      valid: true,
      approver: 'bob@example.com',
      comment: 'not now',
    });
  });

  test('the initiator may reject (withdraw) even when not listed', () => {
    const notListed: ApprovalPolicy = { ...policy, approvers: ['alice@example.com', 'bob@example.com'] };
    assert.deepEqual(judgeReject(notListed, { approver: 'OPS@example.com' }), {
      valid: true,
      approver: 'ops@example.com',
    });
  });

  test('anyone else is an unknown approver', () => {
    assert.equal(
      reasonOf(judgeReject(policy, { approver: 'mallory@example.com' })),
      'unknown approver: mallory@example.com is not in approval.approvers',
    );
  });

  test('malformed rejections are refused', () => {
    assert.match(reasonOf(judgeReject(policy, { approver: '' })), /^malformed: /);
    assert.match(reasonOf(judgeReject(policy, 'reject')), /^malformed: /);
    assert.match(
      reasonOf(judgeReject(policy, { approver: 'bob@example.com', why: 'x' })),
      /^malformed: unexpected field/,
    );
  });
});

describe('isSatisfied', () => {
  test('needs requiredApprovals distinct listed approvers', () => {
    assert.equal(isSatisfied(policy, []), false);
    assert.equal(isSatisfied(policy, recorded('alice@example.com')), false);
    assert.equal(isSatisfied(policy, recorded('alice@example.com', 'bob@example.com')), true);
  });

  test('duplicates, the initiator and unlisted names never count', () => {
    assert.equal(isSatisfied(policy, recorded('alice@example.com', 'ALICE@example.com')), false);
    assert.equal(isSatisfied(policy, recorded('alice@example.com', 'ops@example.com')), false);
    assert.equal(isSatisfied(policy, recorded('alice@example.com', 'mallory@example.com')), false);
  });

  test('a single required approval is met by one approver', () => {
    assert.equal(isSatisfied({ ...policy, requiredApprovals: 1 }, recorded('bob@example.com')), true);
  });
});
