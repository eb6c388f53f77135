import { WorkflowFailedError } from '@temporalio/client';

/** The message worth showing: a failed workflow's own cause rather than Temporal's wrapper. */
export function errorText(error: unknown): string {
  if (error instanceof WorkflowFailedError && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** gRPC status DEADLINE_EXCEEDED, anywhere in the cause chain (the SDK wraps it in a ServiceError). */
export function isDeadlineExceeded(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 4 || /DEADLINE_EXCEEDED/.test(e.message)) return true;
  }
  return false;
}
