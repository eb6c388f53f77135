import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { AccountRotationReport, CampaignPhase, TimelineEntry } from '../../../domain/rotation-report';
import type { UserFacts } from '../../../domain/inventory';
import { approveSignal, campaignStatusQuery } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, testSpec, uniqueId } from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { writeProductionWindowFigures } from '../../support/production-window-figures';
import { DAY, scriptedWorker, simulatedDay, timeSkippingEnv, watchClock } from '../../support/time-skipping';

function at(timeline: TimelineEntry[], event: RegExp): number {
  const entry = timeline.find((t) => event.test(t.event));
  assert.ok(entry, `timeline has ${String(event)}: ${JSON.stringify(timeline)}`);
  return Date.parse(entry.at);
}

/**
 * The real workflows with their production windows (7 days of adoption, 7 of grace, a 7-day
 * approval timeout), on Temporal's time-skipping test server: weeks of workflow time in seconds.
 */
describe('production-length windows, on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  const account = ACCOUNTS[0]!;
  const spec = (id: string) =>
    testSpec({
      id: uniqueId(id),
      scope: { includeAccounts: [account] },
      windows: { adoption: '7d', grace: '7d' },
      approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject' },
    });

  // One test server per test: its clock is skipped by the test, so tests must not share it.
  beforeEach(async () => {
    env = await timeSkippingEnv();
  });
  afterEach(async () => env?.teardown());

  test('no decision within 7 days: the old key comes back after 14 days of windows and 7 of waiting', async () => {
    const aws = scriptedAws({ [account]: [user(account, 'gina', [oldKey('AKIAOLDGINA')])] });
    const { worker: w, taskQueue } = await scriptedWorker(env, aws);
    const s = spec('ts-timeout');
    const startedAt = await env.currentTimeMs();
    const status = await w.runUntil(
      env.client.workflow.execute(rotationCampaign, { taskQueue, workflowId: s.id, args: [{ spec: s }] }),
    );
    assert.equal(status.approval.pastRounds[0]?.outcome, 'timed-out');
    assert.equal(status.users['rolled-back'], 1);
    const report = (await env.client.workflow
      .getHandle(`${s.id}/${account}`)
      .result()) as AccountRotationReport;
    const timeline = report.users[0]!.timeline;
    assert.ok(
      at(timeline, /^adoption window over/) - at(timeline, /^created key/) >= 7 * DAY,
      'adoption took 7 days',
    );
    assert.ok(
      at(timeline, /^waiting for an approval to delete/) - at(timeline, /^deactivated old key/) >= 7 * DAY,
      'grace took 7 days',
    );
    assert.ok((await env.currentTimeMs()) - startedAt >= 21 * DAY, 'three weeks of workflow time passed');
    assert.deepEqual(aws.calls.slice(-2), [
      `deactivate ${account}/AKIAOLDGINA`,
      `activate ${account}/AKIAOLDGINA`,
    ]);
    assert.equal(aws.keysOf(account, 'gina').length, 2, 'the new key was kept');
  });

  test('an approval on day 15 deletes the old key then, not before', async () => {
    const aws = scriptedAws({ [account]: [user(account, 'hugo', [oldKey('AKIAOLDHUGO')])] });
    const { worker: w, taskQueue } = await scriptedWorker(env, aws);
    const s = spec('ts-approve');
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: s.id,
        args: [{ spec: s }],
      });
      await env.sleep('15 days');
      const waiting = await handle.query(campaignStatusQuery);
      assert.equal(waiting.phase, 'awaiting-approval');
      assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'nothing deleted before the approval');
      await handle.signal(approveSignal, { approver: APPROVERS[0] });
      const status = await handle.result();
      assert.equal(status.users.rotated, 1);
    });
    assert.equal(aws.calls.at(-1), `delete ${account}/AKIAOLDHUGO`);
  });

  // 50 in npm test: at 100 accounts the time-skipping test server itself fails now and then
  // ("Unbalanced lock and unlock calls", then a 16 KiB gRPC header limit); npm run test:scale runs 100.
  const accountCount = Number(process.env.KEYWARDEN_SCALE_ACCOUNTS ?? 50);
  const usersPerAccount = Number(process.env.KEYWARDEN_SCALE_USERS ?? 10);
  test(`${accountCount} accounts x ${usersPerAccount} rotating users at 7d/7d and default limits: approval by day 15, done a day after it`, async () => {
    const accounts = Array.from({ length: accountCount }, (_, i) => String(100000000000 + i));
    const inventory: Record<string, UserFacts[]> = {};
    for (const accountId of accounts) {
      inventory[accountId] = Array.from({ length: usersPerAccount }, (_, u) =>
        user(accountId, `svc-${String(u).padStart(2, '0')}`, [oldKey(`AKIA${accountId.slice(-4)}U${u}`)]),
      );
    }
    const aws = scriptedAws(inventory, { latencyMs: 5 });
    // Fewer tasks at once above the npm test size: the test server copes badly with many in flight.
    const { worker: w, taskQueue } = await scriptedWorker(
      env,
      aws,
      accountCount > 50
        ? {
            maxConcurrentWorkflowTaskExecutions: 4,
            maxConcurrentActivityTaskExecutions: 20,
            maxCachedWorkflows: 400,
          }
        : {},
    );
    const clock = watchClock(env);
    const s = testSpec({
      id: uniqueId('ts-scale'),
      scope: { includeAccounts: accounts },
      windows: { adoption: '7d', grace: '7d' },
      approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject' },
      limits: {}, // the defaults: 5 accounts and 5 keys per account in flight
    });
    assert.equal(s.limits.maxAccountsInFlight, 5);
    assert.equal(s.limits.maxKeysInFlightPerAccount, 5);
    const startedAt = await env.currentTimeMs();
    const wallStart = Date.now();
    const reached = new Map<CampaignPhase, number>();
    try {
      await w.runUntil(async () => {
        const handle = await env.client.workflow.start(rotationCampaign, {
          taskQueue,
          workflowId: s.id,
          args: [{ spec: s }],
        });
        let status = await handle.query(campaignStatusQuery);
        while (status.phase !== 'awaiting-approval' && (await simulatedDay(env, startedAt)) < 60) {
          await env.sleep('6 hours');
          status = await handle.query(campaignStatusQuery);
          if (accountCount > 50 || process.env.KEYWARDEN_SCALE_DEBUG)
            console.log(
              await simulatedDay(env, startedAt),
              status.phase,
              JSON.stringify(status.accounts),
              JSON.stringify(status.users),
              Math.round((Date.now() - wallStart) / 1000),
            );
          if (!reached.has(status.phase)) reached.set(status.phase, await simulatedDay(env, startedAt));
        }
        assert.equal(
          status.phase,
          'awaiting-approval',
          `reached approval: ${JSON.stringify(status.accounts)}`,
        );
        assert.equal(status.usersAwaitingDecision, accountCount * usersPerAccount);
        await handle.signal(approveSignal, { approver: APPROVERS[0] });
        const final = await handle.result();
        reached.set(final.phase, await simulatedDay(env, startedAt));
        assert.equal(final.users.rotated, accountCount * usersPerAccount);
        assert.equal(final.accounts.finished, accountCount);
        const phases = [...reached].map(([phase, day]) => `${phase} on day ${day}`).join(', ');
        console.log(`[production windows] ${phases}`);
        // Described, not fetched: the test server sends a history in one message, past gRPC's 4 MB at 100 accounts.
        const { historyLength, historySize } = await handle.describe();
        console.log(
          `[production windows] ${accountCount} accounts x ${usersPerAccount} users, 7d/7d, limits 5/5: ${phases}` +
            `; campaign history ${historyLength} events` +
            (historySize === undefined ? ' (the test server reports no size)' : `, ${historySize} bytes`) +
            '; ' +
            `peak concurrent roll-out activities ${aws.peakInFlight()} (limit 25); wall time ${Math.round((Date.now() - wallStart) / 1000)}s` +
            `; stalled test-server clock released ${clock.releases} time(s)` +
            (clock.refused > 0 ? ` (${clock.refused} release(s) refused)` : ''),
        );
      });
    } finally {
      clock.stop();
    }
    if (process.env.KEYWARDEN_WRITE_FIGURES === '1') {
      writeProductionWindowFigures({
        measuredAt: new Date().toISOString(),
        accounts: accountCount,
        usersPerAccount,
        windows: 'adoption 7d, grace 7d',
        limits: '5 accounts, 5 keys per account in flight',
        simulatedDayReached: Object.fromEntries(reached),
        peakRollOutActivities: aws.peakInFlight(),
        wallSeconds: Math.round((Date.now() - wallStart) / 1000),
        stalledClockReleases: clock.releases,
      });
    }
    const approvalDay = reached.get('awaiting-approval');
    const completedDay = reached.get('completed');
    assert.ok(
      approvalDay !== undefined && approvalDay <= 15,
      `approval reached by day 15 (day ${approvalDay})`,
    );
    assert.ok(
      completedDay !== undefined && completedDay - (approvalDay ?? 0) <= 1,
      `completed within a day of the approval (day ${completedDay})`,
    );
    assert.ok(
      aws.peakInFlight() <= 25,
      `roll-out work stayed within 5 x 5 slots (peak ${aws.peakInFlight()})`,
    );
    assert.equal(aws.calls.filter((c) => c.startsWith('delete')).length, accountCount * usersPerAccount);
  });
});
