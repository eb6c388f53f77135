import type { Client } from '@temporalio/client';

/** How long one webhook request may wait for Temporal (start, describe or query) by default. */
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 10_000;

const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

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

function grpcCode(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs Temporal calls with a deadline: past `timeoutMs` the calls are cancelled and a 504
 * TemporalCallError is thrown (`what` says what was being done, for the message); an unreachable
 * Temporal becomes a 503 TemporalCallError. Other errors pass through.
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
  try {
    // The abort cancels the call in flight; the deadline also bounds the gRPC layer's own retries,
    // which the abort does not reach.
    const deadline = Date.now() + timeoutMs;
    const call = client.withDeadline(deadline, () => client.withAbortSignal(controller.signal, fn));
    return await Promise.race([call, timedOut]);
  } catch (error) {
    if (error instanceof TemporalCallError) throw error;
    const code = grpcCode(error);
    if (code === GRPC_UNAVAILABLE) {
      throw new TemporalCallError(503, `${what}: Temporal is unavailable right now`);
    }
    if (code === GRPC_DEADLINE_EXCEEDED) throw tooSlow();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
