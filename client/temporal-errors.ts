import { WorkflowFailedError } from '@temporalio/client';

/** The message worth showing: a failed workflow's own cause rather than Temporal's wrapper. */
export function errorText(error: unknown): string {
  if (error instanceof WorkflowFailedError && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

export const GRPC_CANCELLED = 1;
export const GRPC_DEADLINE_EXCEEDED = 4;
export const GRPC_UNAVAILABLE = 14;

/**
 * Temporal is sent the caller's deadline and, when it lapses, cancels the call itself, often a
 * millisecond or two before the caller's own timer fires. A cancellation this close to the
 * deadline is the deadline.
 */
const DEADLINE_SLACK_MS = 50;

/** The first gRPC status code in the cause chain (the SDK wraps gRPC errors in a ServiceError). */
export function grpcStatusCode(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The call failed because its deadline (epoch ms) lapsed, whichever side noticed first. */
export function lapsedAtDeadline(error: unknown, deadline: number, now = Date.now()): boolean {
  const code = grpcStatusCode(error);
  return code === GRPC_DEADLINE_EXCEEDED || (code === GRPC_CANCELLED && now >= deadline - DEADLINE_SLACK_MS);
}

/** A call Temporal cancelled as its deadline lapsed: reported as DEADLINE_EXCEEDED, the cause kept. */
export class DeadlineLapsedError extends Error {
  override readonly name = 'DeadlineLapsedError';
  readonly code = GRPC_DEADLINE_EXCEEDED;
  constructor(cause: unknown) {
    super('Temporal did not answer before the deadline', { cause });
  }
}

/** gRPC status DEADLINE_EXCEEDED, anywhere in the cause chain (the SDK wraps it in a ServiceError). */
export function isDeadlineExceeded(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === GRPC_DEADLINE_EXCEEDED || /DEADLINE_EXCEEDED/.test(e.message)) {
      return true;
    }
  }
  return false;
}
