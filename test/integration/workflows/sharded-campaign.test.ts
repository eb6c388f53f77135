import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { RoundDecision } from '../../../domain/approval-state';
import type { UserFacts } from '../../../domain/inventory';
import type { CampaignPhase } from '../../../domain/rotation-report';
import { campaignShardWorkflowId } from '../../../workflows/campaign-shards';
import { accountDecisionSignal, approveSignal, campaignStatusQuery } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, testSpec, uniqueId } from '../../support/campaign-helpers';
import { oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { scriptedWorker, simulatedDay, timeSkippingEnv, watchClock } from '../../support/time-skipping';

/**
 * A campaign over more accounts than limits.accountsPerShard runs them in shards under its own
 * gate, at production windows on the time-skipping test server: the approval is reached, the
 * decision reaches every account through its shard, and each account checks it against the plan
 * the approvers were asked about.
 */
describe('a campaign in shards, at production windows', () => {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await timeSkippingEnv();
  });
  afterEach(async () => env?.teardown());

  const accountCount = 60;
  const usersPerAccount = 2;
  test(`${accountCount} accounts in shards of 20 at 7d/7d: approval by day 15, a forged decision refused, every old key deleted after the approval`, async () => {
    const accounts = Array.from({ length: accountCount }, (_, i) => String(200000000000 + i));
    const inventory: Record<string, UserFacts[]> = {};
    for (const accountId of accounts) {
      inventory[accountId] = Array.from({ length: usersPerAccount }, (_, u) =>
        user(accountId, `svc-${u}`, [oldKey(`AKIA${accountId.slice(-4)}S${u}`)]),
      );
    }
    const aws = scriptedAws(inventory, { latencyMs: 5 });
    const { worker: w, taskQueue } = await scriptedWorker(env, aws);
    const clock = watchClock(env);
    const s = testSpec({
      id: uniqueId('ts-shards'),
      scope: { includeAccounts: accounts },
      windows: { adoption: '7d', grace: '7d' },
      approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject' },
      limits: { maxAccountsInFlight: 6, maxKeysInFlightPerAccount: 5, accountsPerShard: 20 },
    });
    const startedAt = await env.currentTimeMs();
    const reached = new Map<CampaignPhase, number>();
    try {
      await w.runUntil(async () => {
        const handle = await env.client.workflow.start(rotationCampaign, {
          taskQueue,
          workflowId: s.id,
          args: [{ spec: s }],
        });
        let status = await handle.query(campaignStatusQuery);
        while (status.phase !== 'awaiting-approval' && (await simulatedDay(env, startedAt)) < 40) {
          await env.sleep('6 hours');
          status = await handle.query(campaignStatusQuery);
          if (!reached.has(status.phase)) reached.set(status.phase, await simulatedDay(env, startedAt));
        }
        assert.equal(
          status.phase,
          'awaiting-approval',
          `reached approval: ${JSON.stringify(status.accounts)}`,
        );
        assert.deepEqual(status.shards, { accountsPerShard: 20, total: 3, started: 3 });
        assert.equal(status.accounts.readyForApproval, accountCount);
        assert.equal(status.usersAwaitingDecision, accountCount * usersPerAccount);
        assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'nothing deleted before the approval');

        // A decision sent straight to a shard, by no listed approver, for a plan nobody saw: refused there.
        const shard0 = env.client.workflow.getHandle(campaignShardWorkflowId(s.id, 0));
        const forged: RoundDecision = {
          outcome: 'approved',
          by: ['mallory@example.com'],
          at: new Date(await env.currentTimeMs()).toISOString(),
          reason: 'forged',
          approvals: [{ approver: 'mallory@example.com', at: new Date().toISOString() }],
          planDigest: 'f'.repeat(64),
          accountProof: [],
          round: 1,
        };
        await shard0.signal(accountDecisionSignal, forged);
        await env.sleep('1 hour');
        const shardStatus = await shard0.query(campaignStatusQuery);
        assert.ok(
          shardStatus.approval.rejectedAttempts.some((a) => a.reason.includes('0 valid approval(s)')),
          `the shard refused the forged decision: ${JSON.stringify(shardStatus.approval.rejectedAttempts)}`,
        );
        assert.equal(shardStatus.shard?.index, 0);
        assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'the forged decision deleted nothing');

        await handle.signal(approveSignal, { approver: APPROVERS[0] });
        const final = await handle.result();
        reached.set(final.phase, await simulatedDay(env, startedAt));
        assert.equal(final.phase, 'completed');
        assert.equal(final.users.rotated, accountCount * usersPerAccount);
        assert.equal(final.accounts.finished, accountCount);
        assert.deepEqual(final.failedAccounts, []);
        const histories = await Promise.all(
          [0, 1, 2].map(async (i) => {
            const d = await env.client.workflow.getHandle(campaignShardWorkflowId(s.id, i)).describe();
            return d.historyLength;
          }),
        );
        const campaignHistory = (await handle.describe()).historyLength;
        const phases = [...reached].map(([phase, day]) => `${phase} on day ${day}`).join(', ');
        console.log(
          `[sharded campaign] ${accountCount} accounts x ${usersPerAccount} users in 3 shards of 20, 7d/7d, ` +
            `limits 6 accounts/5 keys: ${phases}; decision rounds ${final.approval.pastRounds.length}; ` +
            `campaign history ${campaignHistory} events, shard histories ${histories.join('/')} events; ` +
            `peak concurrent roll-out activities ${aws.peakInFlight()} (limit 30)`,
        );
      });
    } finally {
      clock.stop();
    }
    const approvalDay = reached.get('awaiting-approval');
    assert.ok(
      approvalDay !== undefined && approvalDay <= 15,
      `approval reached by day 15 (day ${approvalDay})`,
    );
    assert.ok(
      aws.peakInFlight() <= 30,
      `roll-out work stayed within 6 x 5 slots (peak ${aws.peakInFlight()})`,
    );
    assert.equal(aws.calls.filter((c) => c.startsWith('delete')).length, accountCount * usersPerAccount);
  });
});
