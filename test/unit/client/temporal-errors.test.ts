import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DeadlineLapsedError,
  grpcStatusCode,
  isDeadlineExceeded,
  lapsedAtDeadline,
} from '../../../client/temporal-errors';

/** A gRPC failure the way the Temporal client wraps it: the status code on the cause. */
const wrapped = (code: number) => Object.assign(new Error('Failed to query Workflow'), { cause: { code } });

describe('reading gRPC failures from the Temporal client', () => {
  test('the status code is found through the wrapper, and absent when there is none', () => {
    assert.equal(grpcStatusCode(wrapped(14)), 14);
    assert.equal(grpcStatusCode(new Error('plain')), undefined);
    assert.equal(grpcStatusCode('not an error'), undefined);
  });

  test('a cancellation counts as the deadline only within 50 ms of it', () => {
    const deadline = 10_000;
    assert.equal(lapsedAtDeadline(wrapped(1), deadline, deadline - 2), true);
    assert.equal(lapsedAtDeadline(wrapped(1), deadline, deadline + 5), true);
    assert.equal(lapsedAtDeadline(wrapped(1), deadline, deadline - 51), false);
    assert.equal(lapsedAtDeadline(wrapped(4), deadline, 0), true, 'DEADLINE_EXCEEDED at any time');
    assert.equal(lapsedAtDeadline(wrapped(14), deadline, deadline), false);
  });

  test('a lapsed deadline reads as DEADLINE_EXCEEDED and keeps its cause', () => {
    const cause = wrapped(1);
    const lapsed = new DeadlineLapsedError(cause);
    assert.equal(isDeadlineExceeded(lapsed), true);
    assert.equal(lapsed.cause, cause);
    assert.equal(isDeadlineExceeded(cause), false);
  });
});
