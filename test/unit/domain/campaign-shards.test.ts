import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RoundDecision } from '../../../domain/approval-state';
import type { CampaignCarryOver } from '../../../domain/campaign-input';
import { accountInCampaignPlan } from '../../../domain/decision-check';
import { campaignPlanLeaf, merkleProofs, merkleRoot } from '../../../domain/plan-digest';
import type { CampaignStatus } from '../../../domain/rotation-report';
import {
  CAMPAIGN_FAILURES_LISTED,
  decisionsForAccounts,
  mergeShard,
  nextShardSize,
  planSharding,
  shardPlanProblem,
} from '../../../workflows/campaign-shards';

const digest = (n: number) => n.toString(16).padStart(64, '0');

/** Three shards of accounts, each with its plan digest, and the campaign plan over the shards' roots. */
function shardedPlan() {
  const shards = [0, 1, 2].map((s) =>
    Array.from({ length: 5 + s }, (_, i) => {
      const accountId = String(300000000000 + s * 100 + i);
      return { accountId, accountDigest: digest(s * 100 + i + 1) };
    }),
  );
  const leaves = shards.map((accounts) =>
    accounts.map((a) => campaignPlanLeaf(a.accountId, a.accountDigest)),
  );
  const roots = leaves.map((l) => merkleRoot(l));
  const planDigest = merkleRoot(roots);
  const shardProofs = merkleProofs(roots);
  const decisionFor = (s: number): RoundDecision => ({
    outcome: 'approved',
    by: ['alice@example.com'],
    at: '2026-01-01T00:00:00.000Z',
    reason: '1 of 1',
    round: 1,
    planDigest,
    accountProof: shardProofs.get(roots[s]!)!,
  });
  return { shards, leaves, roots, planDigest, decisionFor };
}

describe('campaign shards', () => {
  test('every account of every shard proves its plan is in the plan signed, through its shard', () => {
    const { shards, leaves, planDigest, decisionFor } = shardedPlan();
    shards.forEach((accounts, s) => {
      const decisions = decisionsForAccounts(decisionFor(s), leaves[s]!);
      assert.equal(decisions.size, accounts.length);
      for (const a of accounts) {
        const passed = decisions.get(campaignPlanLeaf(a.accountId, a.accountDigest));
        assert.ok(passed?.accountProof, `shard ${s} passes ${a.accountId} a proof`);
        assert.equal(passed.planDigest, planDigest, 'the signed digest is passed on unchanged');
        assert.ok(accountInCampaignPlan(a.accountId, a.accountDigest, passed.accountProof, planDigest));
        // The same proof does not hold for a changed plan of the account, nor for another account.
        assert.ok(!accountInCampaignPlan(a.accountId, digest(999), passed.accountProof, planDigest));
        assert.ok(!accountInCampaignPlan('399999999999', a.accountDigest, passed.accountProof, planDigest));
      }
    });
  });

  test("a shard refuses to pass on an approval whose plan does not hold its accounts' plans as they are now", () => {
    const { leaves, decisionFor } = shardedPlan();
    assert.equal(shardPlanProblem(decisionFor(1), leaves[1]!), undefined);
    // Shard 1 given shard 0's proof, or an account of it changed its plan since: refused.
    assert.match(shardPlanProblem(decisionFor(0), leaves[1]!) ?? '', /does not hold this shard's accounts/);
    const changed = [...leaves[1]!.slice(1), campaignPlanLeaf('300000000100', digest(7777))];
    assert.match(shardPlanProblem(decisionFor(1), changed) ?? '', /does not hold this shard's accounts/);
    const { accountProof: _dropped, ...noProof } = decisionFor(1);
    assert.match(shardPlanProblem(noProof, leaves[1]!) ?? '', /does not say which plan/);
    // A rejection deletes nothing: it is passed on, and each account checks who rejected.
    assert.equal(shardPlanProblem({ ...decisionFor(0), outcome: 'rejected' }, leaves[1]!), undefined);
  });

  test('the shards working at once never run more accounts than limits.maxAccountsInFlight', () => {
    for (const [inScope, perShard, limit] of [
      [10_000, 500, 50],
      [10_000, 500, 5],
      [1_001, 500, 200],
      [501, 500, 1],
      [60, 20, 6],
    ] as const) {
      const plan = planSharding(inScope, perShard, limit);
      const shards = Math.ceil(inScope / perShard);
      assert.ok(plan.shardsInFlight >= 1 && plan.shardsInFlight <= shards, `${inScope}/${perShard}/${limit}`);
      assert.ok(plan.accountsInFlightPerShard >= 1);
      assert.ok(
        plan.shardsInFlight * plan.accountsInFlightPerShard <= limit,
        `${plan.shardsInFlight} x ${plan.accountsInFlightPerShard} <= ${limit}`,
      );
      assert.equal(plan.shardsStarted, 0);
    }
    assert.deepEqual(planSharding(10_000, 500, 50), {
      accountsPerShard: 500,
      shardsInFlight: 20,
      accountsInFlightPerShard: 2,
      shardsStarted: 0,
    });
  });

  test("a finished shard's accounts, users and failures are added to the campaign's", () => {
    const carry: CampaignCarryOver = {
      startedAt: '2026-01-01T00:00:00.000Z',
      continuedAsNew: 0,
      accountsInScope: 1000,
      pending: [],
      accounts: [],
      finished: 3,
      notStarted: 0,
      failedAccounts: [{ accountId: '300000000001', error: 'inventory failed' }],
      userCounts: { rotated: 4 },
      usersWithoutKeys: 1,
    };
    const shardStatus = {
      phase: 'completed',
      accounts: { finished: 500, notStarted: 2, failed: 1 },
      users: { rotated: 990, 'rolled-back': 3 },
      usersWithoutKeys: 7,
      failedAccounts: [{ accountId: '300000000777', error: 'could not assume the role' }],
    } as unknown as CampaignStatus;
    mergeShard(carry, 'shard-1', shardStatus);
    assert.equal(carry.finished, 503);
    assert.equal(carry.notStarted, 2);
    assert.deepEqual(carry.userCounts, { rotated: 994, 'rolled-back': 3 });
    assert.equal(carry.usersWithoutKeys, 8);
    assert.deepEqual(
      carry.failedAccounts.map((f) => f.accountId),
      ['300000000001', '300000000777'],
    );
    assert.equal(carry.failedNotListed, undefined);
    mergeShard(carry, 'shard-2', {
      ...shardStatus,
      accounts: { ...shardStatus.accounts, failed: 0 },
      phase: 'failed',
      error: 'boom',
      failedAccounts: [],
    });
    assert.match(carry.failedAccounts.at(-1)?.error ?? '', /^the shard failed: boom/);
    assert.equal(carry.failedAccounts.at(-1)?.accountId, 'shard-2');
  });

  test('failures past the bound are counted, not listed: no result or continue-as-new grows with them', () => {
    const carry = {
      finished: 0,
      notStarted: 0,
      failedAccounts: [],
      userCounts: {},
    } as unknown as CampaignCarryOver;
    const failing = (n: number, listed: number) =>
      ({
        phase: 'completed',
        accounts: { finished: n, notStarted: 0, failed: n },
        users: {},
        usersWithoutKeys: 0,
        failedAccounts: Array.from({ length: listed }, (_, i) => ({
          accountId: String(400000000000 + i),
          error: 'could not assume the role',
        })),
      }) as unknown as CampaignStatus;
    // 20 shards of 500 accounts, every account failed; each shard lists 100 of its 500.
    for (let i = 0; i < 20; i++) mergeShard(carry, `shard-${i}`, failing(500, 100));
    assert.equal(carry.failedAccounts.length, CAMPAIGN_FAILURES_LISTED);
    assert.equal(carry.failedAccounts.length + (carry.failedNotListed ?? 0), 10_000, 'every failure counted');
    assert.equal(carry.finished, 10_000);
  });

  test('shards are filled evenly: no small last shard', () => {
    const sizes = (inScope: number, perShard: number) => {
      const sharding = planSharding(inScope, perShard, 50);
      const out: number[] = [];
      for (let left = inScope; left > 0; sharding.shardsStarted++) {
        const size = nextShardSize(sharding, inScope, left);
        out.push(size);
        left -= size;
      }
      return out;
    };
    assert.deepEqual(sizes(501, 500), [251, 250]);
    assert.deepEqual(sizes(1000, 250), [250, 250, 250, 250]);
    assert.deepEqual(sizes(10, 4), [4, 3, 3]);
    assert.equal(
      sizes(10_001, 500).reduce((a, b) => a + b, 0),
      10_001,
    );
    assert.ok(sizes(10_001, 500).every((n) => n <= 500));
  });
});
