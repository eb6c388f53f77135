import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { MONITOR_WORKFLOW_ID, type MonitorInput, type MonitorStatus } from '../domain/monitor-input';
import type { monitorKeys } from '../workflows/monitor-keys';
import { monitorStatusQuery } from '../workflows/monitor-messages';
import type { monitorQueueCheck } from '../workflows/monitor-queue-check';
import { CliError } from './cli-error';

export interface StartedMonitor {
  workflowId: string;
  runId: string;
  queueArn: string;
  /** A monitor was already running under the ID: nothing new was started. It reads `queueUrl`. */
  alreadyRunning?: { queueUrl: string };
}

/** The innermost failure message: the activity's own words, not Temporal's wrappers. */
function rootMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/**
 * Checks with the worker's credentials that the queue exists (a short workflow, since the
 * worker, not the CLI, holds AWS credentials), then starts the monitor under `workflowId`, or
 * finds the one already running there. A missing queue starts nothing and throws a CliError.
 */
export async function startMonitor(
  client: Client,
  opts: { taskQueue: string; input: MonitorInput; workflowId?: string },
): Promise<StartedMonitor> {
  const workflowId = opts.workflowId ?? MONITOR_WORKFLOW_ID;
  let queueArn: string;
  try {
    ({ queueArn } = await client.workflow.execute<typeof monitorQueueCheck>('monitorQueueCheck', {
      taskQueue: opts.taskQueue,
      workflowId: `${workflowId}-queue-check-${randomUUID()}`,
      args: [{ queueUrl: opts.input.queueUrl }],
      workflowExecutionTimeout: '2 minutes',
    }));
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      throw new CliError(`cannot monitor ${opts.input.queueUrl}: ${rootMessage(error)}`);
    }
    throw error;
  }
  try {
    const handle = await client.workflow.start<typeof monitorKeys>('monitorKeys', {
      taskQueue: opts.taskQueue,
      workflowId,
      args: [opts.input],
      staticSummary: `Drift monitor: access-key events from ${opts.input.queueUrl}`,
      staticDetails:
        'Findings: KEY_CHANGED_OUT_OF_BAND (a key created, reactivated or deleted outside keywarden) and ' +
        'KEY_REACTIVATED_AFTER_CONTAINMENT (an alert). Query: status.',
    });
    return { workflowId, runId: handle.firstExecutionRunId, queueArn };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const handle = client.workflow.getHandle(workflowId);
    const [description, status] = await Promise.all([handle.describe(), handle.query(monitorStatusQuery)]);
    return {
      workflowId,
      runId: description.runId,
      queueArn: status.queueArn,
      alreadyRunning: { queueUrl: status.queueUrl },
    };
  }
}

/** The monitor's `status` query; undefined when no monitor runs under the ID. */
export async function queryMonitorStatus(
  client: Client,
  workflowId: string = MONITOR_WORKFLOW_ID,
): Promise<MonitorStatus | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query(monitorStatusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
