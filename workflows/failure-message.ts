import { ActivityFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/**
 * The message of what actually failed: an activity's (or child workflow's) own failure, not the
 * wrapper Temporal puts around it. Activities build their messages free of parameters and secrets.
 */
export function failureMessage(error: unknown): string {
  if ((error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) && error.cause) {
    return failureMessage(error.cause);
  }
  return error instanceof Error ? error.message : String(error);
}
