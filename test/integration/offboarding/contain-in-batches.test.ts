import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test, type TestContext } from 'node:test';
import { ACCOUNTS_PER_CONTAINMENT_BATCH } from '../../../domain/offboarding-limits';
import { OffboardingRequestSchema } from '../../../domain/offboarding-request';
import { approveSignal } from '../../../workflows/messages';
import { offboardingStatusQuery } from '../../../workflows/offboard-employee';
import {
  RECORDED_AT,
  scriptedOffboarding,
  type ScriptedOffboardingOptions,
} from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import { startOffboardingOnTestServer } from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const APPROVER = 'security-lead@example.com';
const HOUR = 3_600_000;
const accountIds = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
const ACCOUNTS = accountIds(25);
const orgOf = (accounts: string[]) =>
  Object.fromEntries(
    accounts.map((id) => [
      id,
      [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: [`AKIA${id}`] }],
    ]),
  );

/**
 * The first round of an offboarding searches and contains ten accounts per activity; what a
 * batch could not do goes on to the per-account activity and its retries, on the time-skipping
 * test server with scripted AWS activities.
 */
describe('offboarding contains accounts in batches', () => {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await timeSkippingEnv();
  });
  afterEach(async () => env?.teardown());

  async function offboard(
    t: TestContext,
    name: string,
    aws: ScriptedOffboardingOptions = {},
    opts: { accounts?: string[]; approveAfter?: '3 days' } = {},
  ) {
    const accounts = opts.accounts ?? ACCOUNTS;
    const leavers = scriptedOffboarding(orgOf(accounts), aws);
    const scripted = { activities: leavers.activities } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted);
    const request = OffboardingRequestSchema.parse({
      employeeId: `${name}-${Date.now()}`,
      initiator: 'hr@example.com',
      match: { tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: accounts },
      approval: { approvers: [APPROVER] },
    });
    return worker.runUntil(async () => {
      const startMs = await env.currentTimeMs();
      const hoursSince = (ms: number) => Math.round(((ms - startMs) / HOUR) * 100) / 100;
      const hours = async () => hoursSince(await env.currentTimeMs());
      const handle = await startOffboardingOnTestServer(env, taskQueue, request, startMs);
      let status = await handle.query(offboardingStatusQuery);
      for (let i = 0; i < 600 && status.phase !== 'awaiting-approval'; i++) {
        // A lost batch is found out by its heartbeat timeout: let simulated time pass for it.
        if (aws.lostBatchOf !== undefined && i >= 20) await env.sleep('20 seconds');
        else await new Promise((resolve) => setTimeout(resolve, 100));
        status = await handle.query(offboardingStatusQuery);
      }
      assert.equal(status.phase, 'awaiting-approval');
      const phases = [`awaiting-approval at ${await hours()} h`];
      if (opts.approveAfter !== undefined) {
        await env.sleep(opts.approveAfter);
        const held = await handle.query(offboardingStatusQuery);
        phases.push(`${held.phase} at ${await hours()} h`);
      }
      await handle.signal(approveSignal, { approver: APPROVER });
      const final = await handle.result();
      phases.push(`${final.phase} at ${hoursSince(Date.parse(final.finishedAt ?? ''))} h`);
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      t.diagnostic(
        `${name}: ${accounts.length} accounts; simulated time per phase: ${phases.join(', ')}; ` +
          `history ${events.length} events, ${JSON.stringify(history).length} bytes as JSON`,
      );
      const scheduled = events.flatMap(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      );
      const count = (type: string) => scheduled.filter((n) => n === type).length;
      t.diagnostic(
        `${name}: containLeaverInAccounts ${count('containLeaverInAccounts')}, containLeaverInAccount ${count('containLeaverInAccount')}`,
      );
      return { waiting: status, final, calls: leavers.calls, count, events: events.length, phases };
    });
  }

  test('25 accounts: three activities (10, 10, 5) contain everyone; no account is searched twice', async (t) => {
    const { waiting, final, calls, count } = await offboard(t, 'batches');
    assert.equal(count('containLeaverInAccounts'), 3);
    assert.equal(count('containLeaverInAccount'), 0);
    // The three batches run at once (40 accounts in flight by default), so they start in any order.
    assert.deepEqual(
      calls
        .filter((c) => c.startsWith('batch '))
        .map((c) => c.split(',').length)
        .sort((a, b) => b - a),
      [10, 10, 5],
    );
    assert.equal(calls.filter((c) => c.startsWith('find ')).length, ACCOUNTS.length);
    assert.equal(waiting.users.filter((u) => u.containedAt !== undefined).length, ACCOUNTS.length);
    assert.equal(waiting.containmentComplete, true);
    assert.equal(final.phase, 'completed');
    assert.equal(final.users.filter((u) => u.actions.some((a) => a.action === 'purged')).length, 25);
  });

  test('an account whose search failed in its batch for a reason that may pass is searched again at once, alone', async (t) => {
    const flaky = ACCOUNTS[13]!;
    const { waiting, calls, count } = await offboard(t, 'flaky', { failOnceRetryably: new Set([flaky]) });
    assert.equal(count('containLeaverInAccounts'), 3);
    assert.equal(count('containLeaverInAccount'), 1, 'the flaky account, alone');
    assert.equal(calls.filter((c) => c === `find ${flaky}`).length, 2);
    assert.deepEqual(waiting.accountsFailed, [], 'it answered its own activity');
    assert.ok(waiting.users.some((u) => u.accountId === flaky && u.containedAt !== undefined));
  });

  test('a batch that fails twice as a whole: its accounts go to the per-account activity, and all are contained', async (t) => {
    const { waiting, final, calls, count } = await offboard(t, 'lost-batch', {
      failingBatch: { accountId: ACCOUNTS[0]!, times: 2 },
    });
    // The first batch fails twice (two attempts of one activity); its ten accounts go one by one.
    assert.equal(count('containLeaverInAccounts'), 3);
    assert.equal(calls.filter((c) => c.startsWith('batch ')).length, 4);
    assert.equal(count('containLeaverInAccount'), ACCOUNTS_PER_CONTAINMENT_BATCH);
    assert.equal(waiting.users.filter((u) => u.containedAt !== undefined).length, ACCOUNTS.length);
    assert.equal(final.phase, 'completed');
  });

  test("a batch lost after containing (two heartbeat timeouts): its accounts go one by one with the batch's record, whose prior states stand", async (t) => {
    const { waiting, final, calls, count } = await offboard(t, 'lost-after-containing', {
      lostBatchOf: ACCOUNTS[0]!,
    });
    const firstBatch = ACCOUNTS.slice(0, ACCOUNTS_PER_CONTAINMENT_BATCH);
    assert.equal(count('containLeaverInAccount'), ACCOUNTS_PER_CONTAINMENT_BATCH);
    assert.deepEqual(
      calls.filter((c) => c.startsWith('after a lost batch')).sort(),
      firstBatch.map((id) => `after a lost batch ${id} with its record`).sort(),
    );
    const fromLostBatch = waiting.users.filter((u) => firstBatch.includes(u.accountId));
    assert.equal(fromLostBatch.length, ACCOUNTS_PER_CONTAINMENT_BATCH);
    for (const user of fromLostBatch) {
      assert.ok(user.containedAt !== undefined, user.accountId);
      assert.equal(user.prior?.capturedAt, RECORDED_AT, `${user.accountId}: the batch's record stands`);
    }
    assert.equal(waiting.users.filter((u) => u.containedAt !== undefined).length, ACCOUNTS.length);
    assert.equal(final.phase, 'completed');
  });

  test('300 accounts at a production approval window: 30 batches of 10, everyone contained before the gate; it waits 3 simulated days, escalated, and a late approval purges all', async (t) => {
    const accounts = accountIds(300);
    const { waiting, final, calls, count, events, phases } = await offboard(
      t,
      'at-scale',
      {},
      { accounts, approveAfter: '3 days' },
    );
    assert.equal(count('containLeaverInAccounts'), 30);
    assert.equal(count('containLeaverInAccount'), 0);
    assert.ok(calls.filter((c) => c.startsWith('batch ')).every((c) => c.split(',').length === 10));
    assert.equal(calls.filter((c) => c.startsWith('find ')).length, 300, 'each account searched once');
    assert.equal(waiting.users.filter((u) => u.containedAt !== undefined).length, 300);
    assert.ok(phases[1]?.startsWith('escalated'), `held at the gate: ${phases[1]}`);
    assert.equal(final.phase, 'completed');
    assert.equal(final.users.filter((u) => u.actions.some((a) => a.action === 'purged')).length, 300);
    assert.ok(events < 10_240, `${events} history events`);
  });
});
