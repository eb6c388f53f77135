import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { connectionFailureMessage } from '../connection/connection-failure';
import { clientConnectionOptions } from '../connection/connection-options';
import { KeywardenKind } from '../domain/search-attributes';
import { CliError, UsageError } from './cli-error';
import { DeadlineLapsedError, errorText, isDeadlineExceeded, lapsedAtDeadline } from './temporal-errors';
import type { TemporalTarget } from './temporal-target';
import { workflowUiLink } from './temporal-target';
import type { WorkflowKind } from './workflow-kind';
import { kindFromShape } from './workflow-kind';

const CONNECT_TIMEOUT = '10s';
export const QUERY_DEADLINE_MS = 15_000;

export interface DescribedWorkflow {
  id: string;
  kind: WorkflowKind;
  /** RUNNING, COMPLETED, FAILED, … as Temporal names it. */
  executionStatus: string;
  description: WorkflowExecutionDescription;
}

/**
 * One connection to keywarden's Temporal namespace, shared by the per-kind clients
 * (campaign-client, offboarding-client, revocation-client, …), which take it as their first argument.
 */
export class TemporalSession {
  private constructor(
    readonly target: TemporalTarget,
    private readonly connection: Connection,
    readonly client: Client,
  ) {}

  static async connect(target: TemporalTarget): Promise<TemporalSession> {
    let connection: Connection;
    try {
      connection = await Connection.connect(
        clientConnectionOptions(target, { connectTimeout: CONNECT_TIMEOUT }),
      );
    } catch (error) {
      throw new CliError(await connectionFailureMessage(error, target));
    }
    return new TemporalSession(target, connection, new Client({ connection, namespace: target.namespace }));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  link(workflowId: string): string | undefined {
    return workflowUiLink(this.target, workflowId);
  }

  /**
   * Runs `fn` with every gRPC call it makes bounded by `ms`. A call Temporal cancels as the
   * deadline lapses fails as DEADLINE_EXCEEDED, as one the client times out does.
   */
  async withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + ms;
    try {
      return await this.connection.withDeadline(deadline, fn);
    } catch (error) {
      if (!isDeadlineExceeded(error) && lapsedAtDeadline(error, deadline))
        throw new DeadlineLapsedError(error);
      throw error;
    }
  }

  async describe(workflowId: string): Promise<DescribedWorkflow> {
    let description: WorkflowExecutionDescription;
    try {
      description = await this.client.workflow.getHandle(workflowId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new UsageError(
          `no campaign or offboarding with ID ${workflowId} in namespace ${this.target.namespace}`,
        );
      }
      throw new CliError(`could not look up ${workflowId}: ${errorText(error)}`);
    }
    const tagged = description.typedSearchAttributes.get(KeywardenKind);
    const kind = (tagged as WorkflowKind | undefined) ?? kindFromShape(workflowId, description.type);
    return { id: workflowId, kind, executionStatus: description.status.name, description };
  }

  /**
   * A workflow's status: `query` while it runs, its result once it has completed. `what` names the
   * workflow in errors ("the campaign workflow … did not answer").
   */
  async readStatus<T>(
    handle: WorkflowHandle,
    executionStatus: string,
    query: () => Promise<T>,
    what: string,
    deadlineMs = QUERY_DEADLINE_MS,
  ): Promise<T> {
    if (executionStatus === 'COMPLETED') return (await handle.result()) as T;
    try {
      return await this.withDeadline(deadlineMs, query);
    } catch (error) {
      if (executionStatus !== 'RUNNING') {
        throw new CliError(
          `the ${what} workflow ${handle.workflowId} ended ${executionStatus.toLowerCase()}` +
            (await closedReason(handle)),
        );
      }
      if (isDeadlineExceeded(error)) {
        throw new CliError(
          `the ${what} workflow ${handle.workflowId} did not answer its status query within ` +
            `${deadlineMs / 1000}s: is a keywarden worker polling task queue ${this.target.taskQueue}?`,
        );
      }
      throw new CliError(`could not query ${handle.workflowId}: ${errorText(error)}`);
    }
  }
}

async function closedReason(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return '';
  } catch (error) {
    return `: ${errorText(error)}`;
  }
}

/** Connects, runs `fn`, and always closes the connection. */
export async function withTemporalSession<T>(
  target: TemporalTarget,
  fn: (session: TemporalSession) => Promise<T>,
): Promise<T> {
  const session = await TemporalSession.connect(target);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
