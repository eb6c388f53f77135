import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemporalCallError, withTemporalDeadline } from '../../../client/webhook/temporal-deadline';

const TIMEOUT_MS = 200;

/** A stand-in client that passes the calls through; the abort signal is kept for the test to read. */
function client() {
  const seen: { signal?: AbortSignal } = {};
  const stub = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    withAbortSignal: <R>(signal: AbortSignal, fn: () => Promise<R>) => {
      seen.signal = signal;
      return fn();
    },
  } as unknown as Client;
  return { stub, seen };
}

/** A gRPC failure the way the Temporal client wraps it: the status code on the cause. */
function grpcFailure(code: number, details: string) {
  return Object.assign(new Error('Failed to query Workflow'), { cause: { code, details } });
}

function rejectAfter(ms: number, error: Error) {
  return () => new Promise<never>((_resolve, reject) => setTimeout(() => reject(error), ms));
}

async function outcome(fn: () => Promise<unknown>) {
  const { stub, seen } = client();
  const t0 = Date.now();
  try {
    await withTemporalDeadline(stub, TIMEOUT_MS, 'reading the status', fn);
    return { status: 'ok' as const, elapsed: Date.now() - t0, aborted: seen.signal?.aborted };
  } catch (error) {
    if (!(error instanceof TemporalCallError)) throw error;
    return {
      status: error.status,
      message: error.message,
      elapsed: Date.now() - t0,
      aborted: seen.signal?.aborted,
    };
  }
}

describe('calls to Temporal under the webhook deadline', () => {
  test('an answer in time passes through', async () => {
    const { stub } = client();
    assert.equal(await withTemporalDeadline(stub, TIMEOUT_MS, 'x', () => Promise.resolve(42)), 42);
  });

  test('no answer: 504 at the deadline, and the call in flight is aborted', async () => {
    const result = await outcome(() => new Promise(() => undefined));
    assert.equal(result.status, 504);
    assert.equal(result.message, 'reading the status: Temporal did not answer within 0.2s');
    assert.equal(result.aborted, true);
    assert.ok(
      result.elapsed >= TIMEOUT_MS - 5 && result.elapsed < 2_000,
      `answered after ${result.elapsed} ms`,
    );
  });

  test('Temporal cancels the call itself just before the deadline lapses here: 504, not 500', async () => {
    // Seen against a real server: it is sent the same deadline and cancels a query no worker
    // answers a millisecond or two before this process's timer fires.
    const result = await outcome(rejectAfter(TIMEOUT_MS - 2, grpcFailure(1, 'Call cancelled')));
    assert.equal(result.status, 504);
    assert.equal(result.message, 'reading the status: Temporal did not answer within 0.2s');
  });

  test('the gRPC layer reports the deadline: 504', async () => {
    const result = await outcome(rejectAfter(TIMEOUT_MS - 2, grpcFailure(4, 'Deadline exceeded')));
    assert.equal(result.status, 504);
  });

  test('a cancellation well before the deadline: 503, retry later', async () => {
    const result = await outcome(rejectAfter(1, grpcFailure(1, 'Call cancelled')));
    assert.equal(result.status, 503);
    assert.equal(result.message, 'reading the status: Temporal cancelled the call');
    assert.ok(result.elapsed < TIMEOUT_MS - 50, `answered after ${result.elapsed} ms`);
  });

  test('Temporal unreachable: 503', async () => {
    const result = await outcome(rejectAfter(1, grpcFailure(14, 'connect ECONNREFUSED')));
    assert.equal(result.status, 503);
    assert.equal(result.message, 'reading the status: Temporal is unavailable right now');
  });

  test('any other failure passes through unchanged', async () => {
    const failure = grpcFailure(3, 'invalid argument');
    await assert.rejects(outcome(rejectAfter(1, failure)), (error) => error === failure);
  });
});
