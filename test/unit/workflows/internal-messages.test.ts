import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApprovalSignalSchema } from '../../../domain/approval-signal-schema';
import { judgeMessage } from '../../../workflows/judged';

// The messages keywarden's workflows send each other are judged at the receiving workflow: anyone
// who may signal a workflow can send one, so a wrong shape is refused and says where.

const HEX = 'a'.repeat(64);
const decision = {
  outcome: 'approved',
  by: ['security-lead@example.com'],
  at: '2026-12-01T00:00:00.000Z',
  reason: 'approved',
  approvals: [
    {
      approver: 'security-lead@example.com',
      at: '2026-12-01T00:00:00.000Z',
      signed: { round: 1, planDigest: HEX, expiresAt: '2026-12-02T00:00:00.000Z', signature: 'sig' },
    },
  ],
  planDigest: HEX,
  round: 1,
  accountProof: [{ side: 'L', hash: HEX }],
};

function refusedAt(result: ReturnType<typeof judgeMessage>): string {
  assert.equal(result.success, false, 'the message should have been refused');
  return result.success ? '' : result.where;
}

describe('judging internal messages', () => {
  test('a well-formed decision, key decision, abort and progress pass unchanged', () => {
    const keyDecision = { ...decision, accessKeyIds: ['AKIAEXAMPLE'], accountDigest: HEX, keyProof: [] };
    const abort = { by: 'lead@example.com', reason: 'stop', at: '2026-12-01T00:00:00.000Z' };
    const keyProgress = { userName: 'alice', stage: 'awaiting-decision', accessKeyId: 'AKIAEXAMPLE', seq: 3 };
    const accountProgress = { accountId: 'shard-12', stage: 'ready', accountsWaiting: 250, seq: 0 };
    for (const [name, message] of [
      ['RoundDecisionSchema', decision],
      ['KeyDecisionSchema', keyDecision],
      ['AbortRequestSchema', abort],
      ['KeyProgressSchema', keyProgress],
      ['AccountProgressSchema', accountProgress],
    ] as const) {
      assert.deepEqual(judgeMessage(name, message), { success: true, data: message }, name);
    }
  });

  test('an unknown field is refused, and the answer names it', () => {
    assert.equal(refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, forged: true })), 'forged');
    const approvals = [{ ...decision.approvals[0], extra: 'x' }];
    assert.equal(
      refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, approvals })),
      'approvals.0.extra',
    );
  });

  test('numbers must be safe integers in range', () => {
    for (const seq of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1']) {
      assert.equal(
        refusedAt(judgeMessage('KeyProgressSchema', { userName: 'u', stage: 'waiting', seq })),
        'seq',
      );
    }
    for (const round of [0, 100_001]) {
      assert.equal(refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, round })), 'round');
    }
  });

  test('digests, proofs, account IDs and lengths are bounded', () => {
    assert.equal(
      refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, planDigest: 'A'.repeat(64) })),
      'planDigest',
    );
    const longProof = Array.from({ length: 65 }, () => ({ side: 'R', hash: HEX }));
    assert.equal(
      refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, accountProof: longProof })),
      'accountProof',
    );
    assert.equal(
      refusedAt(
        judgeMessage('RoundDecisionSchema', { ...decision, accountProof: [{ side: 'X', hash: HEX }] }),
      ),
      'accountProof.0.side',
    );
    assert.equal(
      refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, reason: 'r'.repeat(4001) })),
      'reason',
    );
    const keyDecision = { ...decision, accessKeyIds: ['A', 'B', 'C', 'D', 'E'] };
    assert.equal(refusedAt(judgeMessage('KeyDecisionSchema', keyDecision)), 'accessKeyIds');
    for (const accountId of ['12345678901', 'shard-1234567', '123456789012 ', 'shard-']) {
      assert.equal(
        refusedAt(judgeMessage('AccountProgressSchema', { accountId, stage: 'working', seq: 0 })),
        'accountId',
        accountId,
      );
    }
    assert.equal(
      refusedAt(judgeMessage('KeyProgressSchema', { userName: '', stage: 'waiting', seq: 0 })),
      'userName',
    );
  });

  test('an abort signed for a round other than 0 is refused, and so is what is not an object', () => {
    const signed = { round: 1, planDigest: HEX, expiresAt: 'x', signature: 's' };
    assert.equal(
      refusedAt(judgeMessage('AbortRequestSchema', { by: 'b', reason: 'r', at: 'a', signed })),
      'signed.round',
    );
    assert.equal(refusedAt(judgeMessage('KeyDecisionSchema', 'not an object')), '');
    assert.equal(refusedAt(judgeMessage('AccountProgressSchema', null)), '');
  });

  test('lengths count code points, as the approval signal counts them: what an approver may send passes on', () => {
    const comment = '\u{1F6D1}'.repeat(2000); // 4,000 UTF-16 units
    assert.equal(ApprovalSignalSchema.safeParse({ approver: 'lead@example.com', comment }).success, true);
    const abort = { by: 'lead@example.com', reason: 'stop', at: '2026-12-01T00:00:00.000Z', comment };
    assert.equal(judgeMessage('AbortRequestSchema', abort).success, true);
    const approvals = [{ ...decision.approvals[0], comment }];
    assert.equal(judgeMessage('RoundDecisionSchema', { ...decision, approvals }).success, true);
    const longer = '\u{1F6D1}'.repeat(2001);
    assert.equal(
      ApprovalSignalSchema.safeParse({ approver: 'lead@example.com', comment: longer }).success,
      false,
    );
    assert.equal(refusedAt(judgeMessage('AbortRequestSchema', { ...abort, comment: longer })), 'comment');
  });

  test("where a message went wrong names at most the start of the sender's own key", () => {
    const key = `x${'y'.repeat(10_000)}\n[ERROR] forged`;
    const where = refusedAt(judgeMessage('RoundDecisionSchema', { ...decision, [key]: 1 }));
    assert.ok(where.length <= 121, `where is ${where.length} characters`);
    assert.ok(where.startsWith('xyyy') && where.endsWith('…'));
  });
});
