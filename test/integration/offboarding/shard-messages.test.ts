import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffboardingRequestSchema } from '../../../domain/offboarding-request';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { approveSignal, cancelSignal, cancelUpdate } from '../../../workflows/messages';
import { offboardingStatusQuery, skipAccountSignal } from '../../../workflows/offboard-employee';
import { shardWorkflowId } from '../../../workflows/offboard-shards';
import { scriptedOffboarding, type ScriptedLeaver } from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import {
  startOffboardingOnTestServer,
  waitForGateInRealTime,
} from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';
import { refusedWith } from '../../support/approval-test-keys';

const HR = 'hr-system@example.com';
const APPROVER = 'security-lead@example.com';
const ACCOUNTS = Array.from({ length: 30 }, (_, i) => String(400_000_000_000 + i));
const LEAVER_AT = [0, 15];

/**
 * Only the offboarding itself judges approve, reject, cancel and skip-account. A shard reads no
 * approver registry, and the accounts it skipped never reached its parent's records; so a shard
 * refuses them all, naming its parent, whatever the request's signature rules.
 */
describe('a shard of a large offboarding refuses the messages its parent judges', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  test('skip-account, approve and cancel sent to a shard are refused there; the parent searches every account', async () => {
    const org: Record<string, ScriptedLeaver[]> = Object.fromEntries(
      ACCOUNTS.map((a, i) => [
        a,
        LEAVER_AT.includes(i) ? [{ userName: 'mallory', accessKeyIds: [`AKIAMALLORY${i}`] }] : [],
      ]),
    );
    const leavers = scriptedOffboarding(org);
    // The shards' batches wait until the test has sent its messages to a running shard.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let batchesStarted = 0;
    const activities = {
      ...leavers.activities,
      containLeaverInAccounts: async (
        input: Parameters<typeof leavers.activities.containLeaverInAccounts>[0],
      ) => {
        batchesStarted++;
        await released;
        return leavers.activities.containLeaverInAccounts(input);
      },
    };
    const scripted = { activities } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted);
    const request = OffboardingRequestSchema.parse({
      employeeId: `shard-messages-${Date.now()}`,
      initiator: HR,
      match: { userNames: ['mallory'] },
      // Signatures off: by the request's rules alone, each message below would be valid.
      approval: { approvers: [APPROVER] },
    });
    const workflowId = `offboard-${request.employeeId}`;
    const { shardStatus, final } = await worker.runUntil(async () => {
      const handle = await startOffboardingOnTestServer(env, taskQueue, request, await env.currentTimeMs(), {
        sharding: { aboveAccounts: 20, accountsPerShard: 10 },
      });
      // Released whatever happens, so a failed assertion cannot leave the worker waiting on them.
      const shardStatus = await (async (): Promise<OffboardingStatus> => {
        try {
          for (let i = 0; i < 200 && batchesStarted === 0; i++) await new Promise((r) => setTimeout(r, 50));
          assert.ok(batchesStarted > 0, 'a shard is searching');
          const shard = env.client.workflow.getHandle(shardWorkflowId(workflowId, 0));
          await shard.signal(skipAccountSignal, {
            by: APPROVER,
            accountId: ACCOUNTS[1],
            reason: 'in a shard',
          });
          await shard.signal(approveSignal, { approver: APPROVER });
          await shard.signal(cancelSignal, { approver: HR, comment: 'rehired' });
          await assert.rejects(
            shard.executeUpdate(cancelUpdate, { args: [{ approver: HR }] }),
            refusedWith(/one shard of the offboarding/),
          );
          return await shard.query(offboardingStatusQuery);
        } finally {
          release();
        }
      })();
      const waiting = await waitForGateInRealTime(handle, 200);
      assert.equal(waiting.phase, 'awaiting-approval');
      await handle.signal(approveSignal, { approver: APPROVER });
      return { shardStatus, final: await handle.result() };
    });
    assert.ok(
      shardStatus.skipRefusals?.some((r) => r.reason.includes(`one shard of the offboarding ${workflowId}`)),
      `the skip was refused, naming the parent: ${JSON.stringify(shardStatus.skipRefusals)}`,
    );
    assert.deepEqual(shardStatus.accountsSkipped, []);
    const refused = shardStatus.approval.rejectedAttempts.map((r) => r.signal).sort();
    assert.deepEqual(refused, ['approve', 'cancel'], 'approve and cancel refused in the shard');
    assert.equal(shardStatus.approval.decision, undefined);
    assert.equal(final.phase, 'completed', 'the approval sent to the parent purged the leaver');
    assert.deepEqual(
      final.accountsSearched,
      [...ACCOUNTS].sort(),
      'every account searched, the one skipped in the shard too',
    );
    assert.deepEqual(final.accountsSkipped, []);
    assert.equal(final.users.filter((u) => u.actions.some((a) => a.action === 'purged')).length, 2);
    assert.ok(!leavers.calls.some((c) => c.startsWith('restore')), 'no user was restored');
  });
});
