import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffboardingRequestSchema } from '../../../domain/offboarding-request';
import { approveSignal } from '../../../workflows/messages';
import { offboardingStatusQuery } from '../../../workflows/offboard-employee';
import { shardWorkflowId } from '../../../workflows/offboard-shards';
import { scriptedOffboarding, type ScriptedLeaver } from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import {
  startOffboardingOnTestServer,
  waitForGateInRealTime,
} from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const APPROVER = 'security-lead@example.com';
const ACCOUNTS = Array.from({ length: 60 }, (_, i) => String(300_000_000_000 + i));
/** The leaver has a user in every 20th account; one account does not answer its first search. */
const LEAVER_AT = [0, 20, 40];
const UNREACHABLE = ACCOUNTS[33]!;

describe('an offboarding over many accounts searches them in shards (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  test('60 accounts, shards of 10 above 20: every account searched once, the leaver contained and purged, no search in the parent but a retry', async () => {
    const org: Record<string, ScriptedLeaver[]> = Object.fromEntries(
      ACCOUNTS.map((a, i) => [
        a,
        LEAVER_AT.includes(i) ? [{ userName: 'mallory', accessKeyIds: [`AKIAMALLORY${i}`] }] : [],
      ]),
    );
    const unreachable = new Set([UNREACHABLE]);
    const leavers = scriptedOffboarding(org, { unreachable });
    const scripted = { activities: leavers.activities } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted);
    const request = OffboardingRequestSchema.parse({
      employeeId: `sharded-${Date.now()}`,
      initiator: 'hr-system@example.com',
      match: { userNames: ['mallory'] },
      approval: { approvers: [APPROVER] },
    });
    const workflowId = `offboard-${request.employeeId}`;
    const { final, waiting, parentSearches, childrenStarted, shardEvents } = await worker.runUntil(
      async () => {
        const handle = await startOffboardingOnTestServer(
          env,
          taskQueue,
          request,
          await env.currentTimeMs(),
          {
            sharding: { aboveAccounts: 20, accountsPerShard: 10 },
          },
        );
        let status = await waitForGateInRealTime(handle, 200);
        assert.equal(status?.phase, 'awaiting-approval');
        unreachable.clear(); // the account answers its retry
        for (let i = 0; i < 100 && (status?.accountsFailed.length ?? 0) > 0; i++) {
          await env.sleep('1 minute');
          status = await handle.query(offboardingStatusQuery);
        }
        await handle.signal(approveSignal, { approver: APPROVER });
        const result = await handle.result();
        const shards = await Promise.all(
          [0, 1, 2, 3, 4, 5].map((i) =>
            env.client.workflow.getHandle(shardWorkflowId(workflowId, i)).describe(),
          ),
        );
        const events = (await handle.fetchHistory()).events ?? [];
        return {
          final: result,
          waiting: status,
          parentSearches: events.filter((e) =>
            // The search activity: one per account that searches and contains, or (older runs) one that only searches.
            ['containLeaverInAccount', 'findMatchingUsers'].includes(
              e.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
            ),
          ).length,
          childrenStarted: events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length,
          shardEvents: shards.map((s) => s.historyLength),
        };
      },
    );
    assert.equal(waiting.users.length, 3, 'the leaver was found in the three accounts');
    assert.ok(
      waiting.users.every((u) => u.containedAt !== undefined),
      'contained by the shards, before the approval',
    );
    assert.equal(final.phase, 'completed');
    assert.deepEqual(final.accountsSearched, [...ACCOUNTS].sort(), 'every account searched');
    assert.deepEqual(final.accountsFailed, []);
    assert.equal(final.users.filter((u) => u.actions.some((a) => a.action === 'purged')).length, 3);
    const searches = leavers.calls.filter((c) => c.startsWith('find '));
    assert.equal(
      searches.length,
      ACCOUNTS.length + 1,
      'each account searched once, the unreachable one again',
    );
    assert.equal(leavers.calls.filter((c) => c.startsWith('contain ')).length, 3, 'each user contained once');
    // The searches ran in six children; the parent itself searched only the account that did not answer.
    assert.equal(childrenStarted, 6);
    assert.equal(parentSearches, 1, 'the parent retried the unanswered account itself');
    // Each shard searched and contained its ten accounts in one batch activity.
    const batches = leavers.calls.filter((c) => c.startsWith('batch ')).map((c) => c.slice(6).split(','));
    assert.equal(batches.length, 6);
    assert.ok(batches.every((b) => b.length === 10));
    assert.deepEqual(batches.flat().sort(), [...ACCOUNTS].sort());
    assert.ok(
      shardEvents.every((n) => n > 10),
      `each shard did its accounts' work (${shardEvents.join(', ')} events)`,
    );
  });
});
