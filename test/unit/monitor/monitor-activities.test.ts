import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import type { QueueMessage, SqsGateway } from '../../../activities/aws/sqs-gateway';
import { createMonitorActivities } from '../../../activities/monitor-activities';
import { monitorStatusText } from '../../../client/report/monitor-text';
import { ZERO_COUNTS } from '../../../domain/monitor-input';
import {
  cloudTrailDetail,
  envelope,
  HUMAN_ARN,
  HUMAN_IP,
  SECRET_IN_RESPONSE,
} from '../../support/cloudtrail-events';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/keywarden-monitor';

/** A queue that hands out its messages once, and records what is deleted. */
function scriptedQueue(bodies: string[], failWith?: Error): SqsGateway & { deleted: string[] } {
  let pending: QueueMessage[] = bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body,
  }));
  const deleted: string[] = [];
  return {
    deleted,
    queueArn: () =>
      failWith
        ? Promise.reject(failWith)
        : Promise.resolve('arn:aws:sqs:us-east-1:111122223333:keywarden-monitor'),
    receive: () => {
      if (failWith) return Promise.reject(failWith);
      const batch = pending;
      pending = [];
      return Promise.resolve(batch);
    },
    delete: (_url, receiptHandle) => {
      deleted.push(receiptHandle);
      return Promise.resolve();
    },
  };
}

const run = <R>(fn: () => Promise<R>): Promise<R> =>
  new MockActivityEnvironment().run<[], R, () => Promise<R>>(fn);
const deps = { aws: undefined as unknown as AwsClients };

describe('the monitor activities', () => {
  test('a poll returns the access-key events, and deletes every message, the skipped ones too', async () => {
    const queue = scriptedQueue([
      envelope(
        cloudTrailDetail({
          eventName: 'CreateAccessKey',
          actorArn: HUMAN_ARN,
          sourceIp: HUMAN_IP,
          userName: 'alice.ops',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        }),
      ),
      'garbage',
      envelope({ eventName: 'CreateAccessKey' }),
      envelope(
        cloudTrailDetail({
          eventName: 'CreateUser',
          actorArn: HUMAN_ARN,
          sourceIp: HUMAN_IP,
          userName: 'x',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        }),
      ),
    ]);
    const activities = createMonitorActivities(deps, () => queue);
    const result = await run(() =>
      activities.pollMonitorQueue({ queueUrl: QUEUE, waitTimeSeconds: 1, pollBudgetSeconds: 1 }),
    );
    assert.equal(result.messages, 4);
    assert.equal(result.events.length, 1);
    assert.equal(result.ignored, 1);
    assert.deepEqual(
      result.skipped.map((s) => [s.messageId, s.kind]),
      [
        ['m1', 'not-cloudtrail'],
        ['m2', 'malformed'],
      ],
    );
    assert.deepEqual(queue.deleted, ['r0', 'r1', 'r2', 'r3']);
    assert.ok(!JSON.stringify(result).includes(SECRET_IN_RESPONSE));
  });

  test('an empty queue: the poll gives up when its budget is spent, with nothing', async () => {
    const activities = createMonitorActivities(deps, () => scriptedQueue([]));
    const result = await run(() =>
      activities.pollMonitorQueue({ queueUrl: QUEUE, waitTimeSeconds: 1, pollBudgetSeconds: 1 }),
    );
    assert.deepEqual(result, { messages: 0, events: [], ignored: 0, skipped: [] });
  });

  test('a queue that does not exist is a final failure that says what to do', async () => {
    const missing = Object.assign(new Error('The specified queue does not exist.'), {
      name: 'QueueDoesNotExist',
    });
    const activities = createMonitorActivities(deps, () => scriptedQueue([], missing));
    const calls: Array<() => Promise<unknown>> = [
      () => activities.checkMonitorQueue({ queueUrl: QUEUE }),
      () => activities.pollMonitorQueue({ queueUrl: QUEUE, waitTimeSeconds: 1, pollBudgetSeconds: 1 }),
    ];
    for (const call of calls) {
      await assert.rejects(run(call), (error: Error & { nonRetryable?: boolean; type?: string }) => {
        assert.match(error.message, /keywarden-monitor does not exist/);
        assert.equal(error.nonRetryable, true);
        assert.equal(error.type, 'NoSuchEntity');
        return true;
      });
    }
  });
});

describe('keywarden monitor --status', () => {
  test('shows the counters, the alert and the skipped messages', () => {
    const lines = monitorStatusText('keywarden-monitor', {
      queueUrl: QUEUE,
      queueArn: 'arn:aws:sqs:us-east-1:111122223333:keywarden-monitor',
      startedAt: '2026-11-29T00:00:00Z',
      runs: 2,
      counts: { ...ZERO_COUNTS, messages: 2, keyEvents: 1, alerts: 1, skippedMalformed: 1 },
      contained: [],
      findings: [
        {
          code: 'KEY_REACTIVATED_AFTER_CONTAINMENT',
          severity: 'alert',
          change: 'reactivated',
          accountId: '210987654321',
          userName: 'alice.ops',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          actorArn: HUMAN_ARN,
          sourceIp: HUMAN_IP,
          eventId: 'e1',
          eventTime: '2026-11-29T12:00:00Z',
          deactivatedByKeywardenAt: '2026-11-28T09:00:00Z',
        },
      ],
      recentlySkipped: [{ messageId: 'm9', kind: 'malformed', reason: 'detail.userIdentity.arn: missing' }],
    });
    const text = lines.join('\n');
    assert.match(text, /1 alerts/);
    assert.match(text, /skipped 1 malformed/);
    assert.match(
      text,
      new RegExp(`ALERT .*KEY_REACTIVATED_AFTER_CONTAINMENT.*by ${HUMAN_ARN} from ${HUMAN_IP}`),
    );
    assert.match(text, /m9 malformed: detail\.userIdentity\.arn/);
  });
});
