import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { judgeApprove, type ApprovalPolicy, type GateContext } from '../../../domain/approval';
import { publicKeyProblem } from '../../../domain/approval-settings';
import {
  isWeakPublicKey,
  publicKeyOf,
  signStatement,
  verifyStatement,
  type ApprovalStatement,
} from '../../../domain/approval-signature';
import { publicKeySchema } from '../../../domain/approval-signature-schemas';
import {
  approvalProblem,
  keyDecisionProblem,
  type KeyDecisionAuthority,
} from '../../../domain/decision-check';
import {
  accountPlanLeaf,
  campaignPlanLeaf,
  merkleProof,
  merkleRoot,
  rootFromProof,
} from '../../../domain/plan-digest';
import { signedPayload } from '../../../client/approval-keys';
import { judgeSkip, skipDigest } from '../../../domain/offboarding-skip';

const secret = () => new Uint8Array(randomBytes(32));
const aliceKey = secret();
const bobKey = secret();
const NOW = Date.parse('2026-11-29T12:00:00Z');

const policy: ApprovalPolicy = {
  approvers: ['alice@example.com', 'bob@example.com'],
  requiredApprovals: 2,
  initiator: 'carol@example.com',
  signatures: 'required',
  publicKeys: { 'alice@example.com': publicKeyOf(aliceKey), 'Bob@Example.com': publicKeyOf(bobKey) },
};
const statement: ApprovalStatement = {
  workflowId: 'q3',
  action: 'approve',
  round: 1,
  planDigest: 'b'.repeat(64),
  approver: 'alice@example.com',
  comment: '',
  expiresAt: '2026-11-30T12:00:00Z',
};

describe('approval signatures', () => {
  test('a signature verifies only for the exact statement and key', () => {
    const sig = signStatement(statement, aliceKey);
    assert.equal(verifyStatement(statement, sig, publicKeyOf(aliceKey)), true);
    assert.equal(verifyStatement(statement, sig, publicKeyOf(bobKey)), false);
    for (const change of [
      { workflowId: 'q4' },
      { action: 'reject' as const },
      { round: 2 },
      { planDigest: 'c'.repeat(64) },
      { approver: 'bob@example.com' },
      { comment: 'x' },
      { expiresAt: '2026-12-30T12:00:00Z' },
    ]) {
      assert.equal(
        verifyStatement({ ...statement, ...change }, sig, publicKeyOf(aliceKey)),
        false,
        JSON.stringify(change),
      );
    }
    assert.equal(verifyStatement(statement, 'zz', publicKeyOf(aliceKey)), false, 'garbage never throws');
  });

  test('the gate judges signed approvals against its workflow, round, plan and clock', () => {
    const context: GateContext = {
      workflowId: 'q3',
      action: 'approve',
      round: 1,
      planDigest: 'b'.repeat(64),
      nowMs: NOW,
    };
    const key = { approver: 'alice@example.com', secretKey: aliceKey, publicKey: publicKeyOf(aliceKey) };
    const target = { workflowId: 'q3', action: 'approve' as const, round: 1, planDigest: 'b'.repeat(64) };
    const ok = judgeApprove(
      policy,
      [],
      signedPayload(key, target, 'fine', 3_600_000, new Date(NOW)),
      context,
    );
    assert.equal(ok.valid, true);
    const reason = (payload: unknown) => {
      const j = judgeApprove(policy, [], payload, context);
      return j.valid ? 'valid' : j.reason;
    };
    assert.match(reason({ approver: 'alice@example.com' }), /^unsigned/);
    assert.match(
      reason(signedPayload(key, { ...target, workflowId: 'q4' }, undefined, 3_600_000, new Date(NOW))),
      /^bad signature/,
    );
    assert.match(
      reason(signedPayload(key, target, undefined, 3_600_000, new Date(NOW - 7_200_000))),
      /^expired/,
    );
    assert.match(
      reason(signedPayload(key, target, undefined, 40 * 86_400_000, new Date(NOW))),
      /more than 30 days/,
    );
    const { signature: _dropped, ...partial } = signedPayload(
      key,
      target,
      undefined,
      3_600_000,
      new Date(NOW),
    );
    assert.match(reason(partial), /carries round, planDigest, expiresAt and signature together/);
    // With signatures off the same unsigned approval is valid: names are not authenticated.
    assert.equal(
      judgeApprove({ ...policy, signatures: 'off' }, [], { approver: 'alice@example.com' }, context).valid,
      true,
    );
  });

  test('a spec that requires signatures lists a key for every approver and the initiator', () => {
    assert.match(publicKeyProblem(policy, policy.initiator) ?? '', /no key for carol@example.com/);
    assert.equal(publicKeyProblem({ ...policy, signatures: 'off' }, policy.initiator), undefined);
  });
});

describe('plan digests', () => {
  test('every leaf has a proof that leads to the root; a leaf not in the plan has none', () => {
    for (const n of [1, 2, 3, 7, 100]) {
      const leaves = Array.from({ length: n }, (_, i) => accountPlanLeaf(`user${i}`, `AKIA${i}`));
      const root = merkleRoot(leaves);
      for (const leaf of leaves) assert.equal(rootFromProof(leaf, merkleProof(leaves, leaf) ?? []), root);
      assert.equal(merkleProof(leaves, accountPlanLeaf('intruder', 'AKIAX')), undefined);
    }
    assert.equal(
      merkleRoot(['a'.repeat(64), 'b'.repeat(64)]),
      merkleRoot(['b'.repeat(64), 'a'.repeat(64)]),
      'order-free',
    );
  });
});

describe('decisions passed on are checked by whoever deletes', () => {
  const accountLeaves = [accountPlanLeaf('uma', 'AKIAOLD'), accountPlanLeaf('ola', 'AKIAOLD2')];
  const accountDigest = merkleRoot(accountLeaves);
  const campaignLeaves = [
    campaignPlanLeaf('111111111111', accountDigest),
    campaignPlanLeaf('222222222222', 'e'.repeat(64)),
  ];
  const planDigest = merkleRoot(campaignLeaves);
  const authority: KeyDecisionAuthority = { ...policy, gateWorkflowId: 'q3', scope: 'campaign' };
  const signedBy = (approver: string, key: Uint8Array) => {
    const target = { workflowId: 'q3', action: 'approve' as const, round: 1, planDigest };
    const p = signedPayload(
      { approver, secretKey: key, publicKey: publicKeyOf(key) },
      target,
      undefined,
      3_600_000,
      new Date(NOW),
    );
    return {
      approver,
      at: '',
      signed: { round: 1, planDigest, expiresAt: p.expiresAt!, signature: p.signature! },
    };
  };
  const decision = {
    outcome: 'approved',
    round: 1,
    planDigest,
    approvals: [signedBy('alice@example.com', aliceKey), signedBy('bob@example.com', bobKey)],
    accountDigest,
    keyProof: merkleProof(accountLeaves, accountPlanLeaf('uma', 'AKIAOLD')),
    accountProof: merkleProof(campaignLeaves, campaignPlanLeaf('111111111111', accountDigest)),
  };
  const where = { accountId: '111111111111', userName: 'uma', accessKeyId: 'AKIAOLD' };

  test('a decision resting on valid approvals and covering the key is accepted', () => {
    assert.equal(keyDecisionProblem(authority, where, decision, NOW), undefined);
  });

  test('forged, short or misdirected decisions are refused with the reason', () => {
    assert.match(
      keyDecisionProblem(authority, where, { ...decision, approvals: [] }, NOW) ?? '',
      /0 valid approval\(s\) of 2/,
    );
    assert.match(
      keyDecisionProblem(
        authority,
        where,
        { ...decision, approvals: [decision.approvals[0]!, decision.approvals[0]!] },
        NOW,
      ) ?? '',
      /1 valid approval\(s\) of 2/,
      'one approver counts once',
    );
    assert.match(
      keyDecisionProblem(authority, { ...where, accessKeyId: 'AKIAOTHER' }, decision, NOW) ?? '',
      /not in the plan/,
    );
    assert.match(
      keyDecisionProblem(authority, { ...where, accountId: '222222222222' }, decision, NOW) ?? '',
      /plan is not the plan/,
    );
    assert.match(
      keyDecisionProblem({ ...authority, gateWorkflowId: 'q4' }, where, decision, NOW) ?? '',
      /bad signature/,
      'approvals signed for another campaign',
    );
    assert.match(approvalProblem(authority, decision, NOW + 8 * 3_600_000) ?? '', /expired/);
    // A rejection reactivates the old key: it too must rest on a valid (signed) rejection.
    assert.match(
      keyDecisionProblem(authority, where, { ...decision, outcome: 'rejected', approvals: [] }, NOW) ?? '',
      /rests on no valid reject/,
    );
    const reject = (() => {
      const target = { workflowId: 'q3', action: 'reject' as const, round: 1, planDigest };
      const p = signedPayload(
        { approver: 'bob@example.com', secretKey: bobKey, publicKey: publicKeyOf(bobKey) },
        target,
        undefined,
        3_600_000,
        new Date(NOW),
      );
      return {
        approver: 'bob@example.com',
        at: '',
        signed: { round: 1, planDigest, expiresAt: p.expiresAt!, signature: p.signature! },
      };
    })();
    assert.equal(
      keyDecisionProblem(authority, where, { ...decision, outcome: 'rejected', approvals: [reject] }, NOW),
      undefined,
    );
    assert.match(
      keyDecisionProblem(
        { ...authority, timeoutMs: 86_400_000 },
        where,
        { ...decision, outcome: 'timed-out' },
        NOW,
        NOW - 3_600_000,
      ) ?? '',
      /sooner than the approval timeout/,
    );
  });
});

describe('weak keys', () => {
  test('a small-order public key is refused, and no signature verifies under it', () => {
    const weak = `01${'0'.repeat(62)}`;
    const forged = `01${'0'.repeat(126)}`;
    assert.equal(isWeakPublicKey(weak), true);
    assert.equal(verifyStatement(statement, forged, weak), false);
    assert.equal(publicKeySchema.safeParse(weak).success, false);
    assert.equal(publicKeySchema.safeParse(publicKeyOf(aliceKey)).success, true);
  });
});

describe('signed skip-account', () => {
  test('with signatures required a skip must be signed by its sender, for that account', () => {
    const key = { approver: 'alice@example.com', secretKey: aliceKey, publicKey: publicKeyOf(aliceKey) };
    const account = '111111111111';
    const context = {
      initiator: 'carol@example.com',
      approvers: ['alice@example.com', 'bob@example.com'],
      retrying: [account],
      signing: { policy, workflowId: 'offboard-e1', nowMs: NOW },
    };
    const sign = (accountId: string) => {
      const p = signedPayload(
        key,
        { workflowId: 'offboard-e1', action: 'skip', round: 0, planDigest: skipDigest(accountId) },
        'closed account',
        3_600_000,
        new Date(NOW),
      );
      return {
        by: 'alice@example.com',
        accountId: account,
        reason: 'closed account',
        expiresAt: p.expiresAt,
        signature: p.signature,
      };
    };
    assert.equal(judgeSkip(sign(account), context).valid, true);
    const unsigned = judgeSkip(
      { by: 'alice@example.com', accountId: account, reason: 'closed account' },
      context,
    );
    assert.match(unsigned.valid ? '' : unsigned.reason, /^unsigned/);
    const otherAccount = judgeSkip(sign('222222222222'), context);
    assert.match(otherAccount.valid ? '' : otherAccount.reason, /^signed for another plan|^bad signature/);
  });
});
