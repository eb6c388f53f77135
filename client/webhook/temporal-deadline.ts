import type { Client } from '@temporalio/client';
import { GRPC_CANCELLED, GRPC_UNAVAILABLE, grpcStatusCode, lapsedAtDeadline } from '../temporal-errors';

/** How long one webhook request may wait for Temporal (start, describe or query) by default. */
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 10_000;

/** Temporal did not answer in time (504) or could not be reached (503); `message` is for the caller. */
export class TemporalCallError extends Error {
  override readonly name = 'TemporalCallError';
  constructor(
    readonly status: 503 | 504,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs Temporal calls with a deadline: past `timeoutMs` the calls are cancelled and a 504
 * TemporalCallError is thrown (`what` says what was being done, for the message); an unreachable
 * Temporal, or one that cancels the call before the deadline, becomes a 503 TemporalCallError.
 * Other errors pass through.
 */
export async function withTemporalDeadline<T>(
  client: Client,
  timeoutMs: number,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = () =>
    new TemporalCallError(504, `${what}: Temporal did not answer within ${timeoutMs / 1000}s`);
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(tooSlow());
    }, timeoutMs);
  });
  const deadline = Date.now() + timeoutMs;
  try {
    // The abort cancels the call in flight; the deadline also bounds the gRPC layer's own retries,
    // which the abort does not reach.
    const call = client.withDeadline(deadline, () => client.withAbortSignal(controller.signal, fn));
    return await Promise.race([call, timedOut]);
  } catch (error) {
    if (error instanceof TemporalCallError) throw error;
    const code = grpcStatusCode(error);
    if (code === GRPC_UNAVAILABLE) {
      throw new TemporalCallError(503, `${what}: Temporal is unavailable right now`);
    }
    if (lapsedAtDeadline(error, deadline)) throw tooSlow();
    if (code === GRPC_CANCELLED) throw new TemporalCallError(503, `${what}: Temporal cancelled the call`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
