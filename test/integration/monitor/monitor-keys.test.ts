import { WorkflowNotFoundError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { CliError } from '../../../client/cli-error';
import { queryMonitorStatus, startMonitor } from '../../../client/monitor-client';
import { MonitorInputSchema, type MonitorStatus } from '../../../domain/monitor-input';
import { monitorEventPattern } from '../../../domain/monitor-template';
import type { SeededOrg } from '../../../sandbox/seed-org';
import {
  cloudTrailDetail,
  HUMAN_ARN,
  HUMAN_IP,
  KEYWARDEN_ARN,
  KEYWARDEN_IP,
  SECRET_IN_RESPONSE,
} from '../../support/cloudtrail-events';
import { createMonitorQueue, type MonitorQueue } from '../../support/monitor-queue';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

const CLOUDTRAIL = { Source: 'aws.iam', DetailType: 'AWS API Call via CloudTrail' };
const CREATED_KEY = 'AKIA4EXAMPLECREATED1';
const CONTAINED_KEY = 'AKIA4EXAMPLECONTAIN1';

async function waitForMonitor(
  worker: RunningWorker,
  workflowId: string,
  holds: (status: MonitorStatus) => boolean,
  what: string,
): Promise<MonitorStatus> {
  const deadline = Date.now() + 60_000;
  let last: MonitorStatus | undefined;
  while (Date.now() < deadline) {
    last = await queryMonitorStatus(worker.client, workflowId);
    if (last !== undefined && holds(last)) return last;
    await delay(250);
  }
  throw new Error(`the monitor never reached: ${what}; last status ${JSON.stringify(last)}`);
}

describe('the drift monitor reads CloudTrail access-key events that EventBridge puts on SQS', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let queue: MonitorQueue;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    worker = await startTestWorker(stack, org);
    queue = await createMonitorQueue(stack, org, 'keywarden-monitor-test', [
      { name: 'keywarden-monitor', pattern: monitorEventPattern() },
      // Lets one event that is not CloudTrail's through to the queue, as a misconfigured rule would.
      { name: 'misrouted', pattern: { source: ['example.inventory'] } },
    ]);
  });
  after(async () => {
    await worker?.stop();
    queue?.destroy();
  });

  test('findings and the alert name the actor and the source IP; bad events are skipped, counted, and the monitor runs on', async () => {
    const workflowId = `keywarden-monitor-${Date.now().toString(36)}`;
    const input = MonitorInputSchema.parse({
      queueUrl: queue.queueUrl,
      waitTimeSeconds: 1,
      pollBudgetSeconds: 2,
    });
    const started = await startMonitor(worker.client, { taskQueue: worker.taskQueue, input, workflowId });
    assert.equal(started.queueArn, queue.queueArn);
    assert.equal(started.alreadyRunning, undefined);

    const accountId = org.accounts[0]!.accountId;
    const malformed = cloudTrailDetail({
      eventName: 'CreateAccessKey',
      actorArn: HUMAN_ARN,
      sourceIp: HUMAN_IP,
      userName: 'carol.dev',
      accessKeyId: 'AKIA4EXAMPLEBROKEN01',
      accountId,
    });
    malformed.userIdentity = { type: 'IAMUser' };
    await queue.putEvents([
      {
        ...CLOUDTRAIL,
        Detail: JSON.stringify(
          cloudTrailDetail({
            eventName: 'CreateAccessKey',
            actorArn: HUMAN_ARN,
            sourceIp: HUMAN_IP,
            userName: 'alice.ops',
            accessKeyId: CREATED_KEY,
            accountId,
          }),
        ),
      },
      {
        ...CLOUDTRAIL,
        Detail: JSON.stringify(
          cloudTrailDetail({
            eventName: 'UpdateAccessKey',
            status: 'Inactive',
            actorArn: KEYWARDEN_ARN.replace(/::\d{12}:/, `::${accountId}:`),
            sourceIp: KEYWARDEN_IP,
            userName: 'build-bot',
            accessKeyId: CONTAINED_KEY,
            accountId,
          }),
        ),
      },
      { ...CLOUDTRAIL, Detail: JSON.stringify(malformed) },
      {
        Source: 'example.inventory',
        DetailType: 'Inventory finished',
        Detail: JSON.stringify({ accounts: 3 }),
      },
    ]);
    // SQS does not promise order: the reactivation goes out once the deactivation was read.
    await waitForMonitor(
      worker,
      workflowId,
      (s) => s.counts.keywardenEvents === 1,
      "keywarden's deactivation read",
    );
    await queue.putEvents([
      {
        ...CLOUDTRAIL,
        Detail: JSON.stringify(
          cloudTrailDetail({
            eventName: 'UpdateAccessKey',
            status: 'Active',
            actorArn: HUMAN_ARN,
            sourceIp: HUMAN_IP,
            userName: 'build-bot',
            accessKeyId: CONTAINED_KEY,
            accountId,
          }),
        ),
      },
    ]);

    const status = await waitForMonitor(
      worker,
      workflowId,
      (s) => s.counts.messages === 5,
      'five messages read',
    );
    assert.deepEqual(status.counts, {
      messages: 5,
      keyEvents: 3,
      keywardenEvents: 1,
      findings: 1,
      alerts: 1,
      ignored: 0,
      skippedMalformed: 1,
      skippedNotCloudTrail: 1,
      pollFailures: 0,
    });
    const [alert, finding] = status.findings;
    assert.deepEqual(
      { ...alert, eventId: undefined, eventTime: undefined, deactivatedByKeywardenAt: undefined },
      {
        code: 'KEY_REACTIVATED_AFTER_CONTAINMENT',
        severity: 'alert',
        change: 'reactivated',
        accountId,
        userName: 'build-bot',
        accessKeyId: CONTAINED_KEY,
        actorArn: HUMAN_ARN,
        sourceIp: HUMAN_IP,
        eventId: undefined,
        eventTime: undefined,
        deactivatedByKeywardenAt: undefined,
      },
    );
    assert.ok(alert?.deactivatedByKeywardenAt, 'the alert says when keywarden had deactivated the key');
    assert.equal(finding?.code, 'KEY_CHANGED_OUT_OF_BAND');
    assert.equal(finding?.change, 'created');
    assert.equal(finding?.accessKeyId, CREATED_KEY);
    assert.equal(finding?.actorArn, HUMAN_ARN);
    assert.equal(finding?.sourceIp, HUMAN_IP);
    assert.deepEqual(status.recentlySkipped.map((s) => s.kind).sort(), ['malformed', 'not-cloudtrail']);
    assert.match(
      status.recentlySkipped.find((s) => s.kind === 'malformed')?.reason ?? '',
      /userIdentity\.arn/,
    );
    assert.ok(!JSON.stringify(status).includes(SECRET_IN_RESPONSE), 'no secret in the status');

    assert.equal(await queue.pending(), 0, 'every message read was deleted, the skipped ones too');
    const handle = worker.client.workflow.getHandle(workflowId);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    // Still reading after the bad events: one more finding comes through.
    await queue.putEvents([
      {
        ...CLOUDTRAIL,
        Detail: JSON.stringify(
          cloudTrailDetail({
            eventName: 'DeleteAccessKey',
            actorArn: HUMAN_ARN,
            sourceIp: HUMAN_IP,
            userName: 'alice.ops',
            accessKeyId: CREATED_KEY,
            accountId,
          }),
        ),
      },
    ]);
    const later = await waitForMonitor(
      worker,
      workflowId,
      (s) => s.counts.findings === 2,
      'the deletion read',
    );
    assert.equal(later.findings[0]?.change, 'deleted');

    const again = await startMonitor(worker.client, { taskQueue: worker.taskQueue, input, workflowId });
    assert.deepEqual(again.alreadyRunning, { queueUrl: queue.queueUrl });
    assert.equal(again.runId, (await handle.describe()).runId);
    await handle.terminate('test done');
  });

  test('a queue that does not exist: a clear error, and no monitor started', async () => {
    const workflowId = `keywarden-monitor-missing-${Date.now().toString(36)}`;
    const queueUrl = queue.queueUrl.replace(/keywarden-monitor-test$/, 'keywarden-monitor-nowhere');
    const input = MonitorInputSchema.parse({ queueUrl });
    await assert.rejects(
      startMonitor(worker.client, { taskQueue: worker.taskQueue, input, workflowId }),
      (error) => {
        assert.ok(error instanceof CliError, String(error));
        assert.match(error.message, /keywarden-monitor-nowhere does not exist/);
        assert.match(error.message, /keywarden iam-policy --monitor/);
        return true;
      },
    );
    await assert.rejects(worker.client.workflow.getHandle(workflowId).describe(), WorkflowNotFoundError);
  });
});
