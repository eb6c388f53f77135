import { Context } from '@temporalio/activity';
import type { CommandObserver } from '../../activities/aws/clients';
import type { AwsPrincipal } from '../../domain/aws-permissions';

export interface RecordedOperation {
  operation: string;
  principal: AwsPrincipal;
  /** The activity that made the call, when it was made inside one. */
  activity?: string;
}

/** The activity running in this async context, if any. */
function currentActivity(): string | undefined {
  try {
    return Context.current().info.activityType;
  } catch {
    return undefined;
  }
}

/**
 * Records every AWS operation a worker's clients perform (an AwsClients `onCommand` hook): the
 * IAM action, the principal that signs it (the worker in the management account, else the
 * member role), and the activity that made it.
 */
export class OperationRecorder {
  readonly calls: RecordedOperation[] = [];

  readonly onCommand: CommandObserver = (_service, _commandName, call) => {
    const recorded: RecordedOperation = {
      operation: call.operation,
      principal: call.account === 'management' ? 'worker' : 'member-role',
    };
    const activity = currentActivity();
    if (activity !== undefined) recorded.activity = activity;
    this.calls.push(recorded);
  };

  /** The distinct operations one principal performed, sorted. */
  operations(principal: AwsPrincipal): string[] {
    return [...new Set(this.calls.filter((c) => c.principal === principal).map((c) => c.operation))].sort();
  }
}
