import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliError } from '../../../client/cli-error';
import { TemporalSession } from '../../../client/temporal-connection';
import { TemporalCallError, withTemporalDeadline } from '../../../client/webhook/temporal-deadline';
import { plaintextConnection } from '../../../connection/temporal-connection';
import { testStack } from '../../support/test-stack';

// Temporal is sent the caller's deadline and, for a query no worker answers, often cancels the call
// itself a millisecond or two before the caller's timer fires (seen in about one query in six).
// Both callers must still report "no answer in time", not an unexpected error.
const TRIES = 20;
const DEADLINE_MS = 300;

describe('a query no worker answers, asked again and again: always reported as no answer in time', () => {
  const stack = testStack();
  // A task queue no worker polls: the workflows never run a task, so no query is ever answered.
  const taskQueue = `deadline-lapse-${Date.now()}`;
  let session: TemporalSession;
  const started: string[] = [];

  before(async () => {
    session = await TemporalSession.connect({
      ...plaintextConnection(stack.temporalAddress, stack.namespace, 'the test stack'),
      taskQueue,
    });
    for (let i = 0; i < 2; i++) {
      const workflowId = `deadline-lapse-${Date.now()}-${i}`;
      await session.client.workflow.start('offboardEmployee', { taskQueue, workflowId, args: [] });
      started.push(workflowId);
    }
  });
  after(async () => {
    for (const id of started) {
      await session.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
    await session?.close();
  });

  test(`the CLI's status read, ${TRIES} times: each names the missing worker`, async () => {
    const handle = session.client.workflow.getHandle(started[0]!);
    const messages = new Map<string, number>();
    for (let i = 0; i < TRIES; i++) {
      const error = await session
        .readStatus(handle, 'RUNNING', () => handle.query('status'), 'offboarding', DEADLINE_MS)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof CliError, `try ${i}: ${String(error)}`);
      messages.set(error.message, (messages.get(error.message) ?? 0) + 1);
    }
    console.log(`[deadline lapse] CLI status read: ${JSON.stringify(Object.fromEntries(messages))}`);
    assert.deepEqual(
      [...messages.keys()],
      [
        `the offboarding workflow ${started[0]} did not answer its status query within 0.3s: ` +
          `is a keywarden worker polling task queue ${taskQueue}?`,
      ],
    );
  });

  test(`the webhook's status read, ${TRIES} times: each is a 504`, async () => {
    const handle = session.client.workflow.getHandle(started[1]!);
    const statuses = new Map<string, number>();
    for (let i = 0; i < TRIES; i++) {
      const error = await withTemporalDeadline(session.client, DEADLINE_MS, 'reading', () =>
        handle.query('status'),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      const key = error instanceof TemporalCallError ? String(error.status) : String(error);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    console.log(`[deadline lapse] webhook status read: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual([...statuses.entries()], [['504', TRIES]]);
  });
});
