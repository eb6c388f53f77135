import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { KEY_LOOKUP_REFUSED, type KeyLookup, type KeyLookupRequest } from '../../domain/key-lookup';
import type { keyLookup } from '../../workflows';
import type { TemporalSession } from '../temporal-connection';
import { CliError, UsageError } from '../cli-error';

/** Long enough for the activity's retries; the poller check below keeps a missing worker from waiting it out. */
const LOOKUP_TIMEOUT = '5 minutes';

/** The innermost message of a failure chain: the activity's own words. */
function rootMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error; e instanceof Error; e = e.cause) message = e.message || message;
  return message;
}

/** The worker's refusal of what was asked, anywhere in the failure chain. */
function refusal(error: unknown): ApplicationFailure | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.type === KEY_LOOKUP_REFUSED) return e;
  }
  return undefined;
}

/** Whether a worker polls the task queue (for workflow tasks, the default type): a keywarden worker polls both. */
async function hasWorker(client: TemporalSession): Promise<boolean> {
  const answer = await client.client.workflowService.describeTaskQueue({
    namespace: client.target.namespace,
    taskQueue: { name: client.target.taskQueue },
  });
  return (answer.pollers ?? []).length > 0;
}

/**
 * Reads a key or a user on the worker (which holds the AWS credentials) through a short
 * keyLookup workflow, and returns what it found. Changes nothing in AWS.
 */
export async function runKeyLookup(client: TemporalSession, request: KeyLookupRequest): Promise<KeyLookup> {
  if (!(await hasWorker(client))) {
    throw new CliError(
      `no keywarden worker is polling task queue ${client.target.taskQueue} in namespace ` +
        `${client.target.namespace}: start one (keywarden sandbox up starts one) and try again`,
    );
  }
  const subject = 'userName' in request ? `${request.userName} in ${request.accountId}` : request.accessKeyId;
  try {
    return await client.client.workflow.execute<typeof keyLookup>('keyLookup', {
      workflowId: `keywarden-lookup-${randomUUID()}`,
      taskQueue: client.target.taskQueue,
      args: [request],
      workflowExecutionTimeout: LOOKUP_TIMEOUT,
      staticSummary: `Read-only lookup of ${subject} (whois / doctor)`,
    });
  } catch (error) {
    const refused = refusal(error);
    if (refused !== undefined) throw new UsageError(refused.message);
    if (error instanceof WorkflowFailedError) {
      throw new CliError(`could not read ${subject}: ${rootMessage(error)}`);
    }
    throw new CliError(`could not look up ${subject}: ${rootMessage(error)}`);
  }
}
