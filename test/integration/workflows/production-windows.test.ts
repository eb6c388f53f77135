import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { AccountRotationReport, TimelineEntry } from '../../../domain/rotation-report';
import { searchAttributeRegistrations } from '../../../domain/search-attributes';
import { paths } from '../../../sandbox/project-paths';
import { campaignStatusQuery, approveSignal } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, testSpec, uniqueId } from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { testStack } from '../../support/test-stack';

const DAY = 86_400_000;
const KEYWORD = 2; // INDEXED_VALUE_TYPE_KEYWORD

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
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: {
        executable: { type: 'existing-path', path: path.join(paths.venv, 'bin', 'temporal-test-server') },
      },
    });
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(searchAttributeRegistrations.map((sa) => [sa.name, KEYWORD])),
    });
  });
  afterEach(async () => env?.teardown());

  async function worker(aws: ReturnType<typeof scriptedAws>) {
    const taskQueue = `ts-${randomUUID()}`;
    const bundle = testStack().workflowBundlePath;
    const created = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      ...(bundle
        ? { workflowBundle: { codePath: bundle } }
        : { workflowsPath: require.resolve('../../../workflows') }),
      activities: aws.activities,
    });
    return { worker: created, taskQueue };
  }

  test('no decision within 7 days: the old key comes back after 14 days of windows and 7 of waiting', async () => {
    const aws = scriptedAws({ [account]: [user(account, 'gina', [oldKey('AKIAOLDGINA')])] });
    const { worker: w, taskQueue } = await worker(aws);
    const s = spec('ts-timeout');
    const startedAt = await env.currentTimeMs();
    const status = await w.runUntil(
      env.client.workflow.execute(rotationCampaign, { taskQueue, workflowId: s.id, args: [{ spec: s }] }),
    );
    assert.equal(status.approval.decision?.outcome, 'timed-out');
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
      at(timeline, /^waiting for the deletion approval/) - at(timeline, /^deactivated old key/) >= 7 * DAY,
      'grace took 7 days',
    );
    assert.ok((await env.currentTimeMs()) - startedAt >= 21 * DAY, 'three weeks of workflow time passed');
    assert.deepEqual(aws.calls.slice(-2), [
      `deactivate ${account}/AKIAOLDGINA`,
      `activate ${account}/AKIAOLDGINA`,
    ]);
  });

  test('an approval on day 15 deletes the old key then, not before', async () => {
    const aws = scriptedAws({ [account]: [user(account, 'hugo', [oldKey('AKIAOLDHUGO')])] });
    const { worker: w, taskQueue } = await worker(aws);
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
});
