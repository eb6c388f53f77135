import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  summaryOf,
  type AccountRotationReport,
  type AccountSummary,
  type CampaignStatus,
  type UserRotationReport,
} from '../domain/rotation-report';
import type { ActivityDeps } from './deps';

export interface ClosedChildrenInput {
  kind: ClosedChild['kind'];
  workflowIds: string[];
  /** The run to describe, by workflow ID, where the parent knows it (saga IDs are reused by later rotations). */
  runIds?: Record<string, string>;
  /**
   * Children that said they are finishing: their last message precedes their completion by a
   * moment, so wait (briefly) for these to close instead of finding them still running.
   */
  finishing?: string[];
}

/** How long closedChildren waits for a child that said it is finishing. */
export const FINISHING_WAIT_MS = 30_000;

/** A child workflow that has closed, as its parent counts it. Holds no secret: results never do. */
export interface ClosedChild {
  kind: 'account' | 'key' | 'shard';
  workflowId: string;
  /** Temporal's execution status: COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT. */
  status: string;
  /** kind key, completed: the saga's report. */
  report?: UserRotationReport;
  /** kind account, completed: its summary (counts, not users). */
  summary?: AccountSummary;
  /** kind shard, completed: the shard's final status (counts of its accounts). */
  shardStatus?: CampaignStatus;
}

const DESCRIBE_CONCURRENCY = 8;

/** How long childProgress waits for one child's answer; a child not answered is asked again later. */
const QUERY_TIMEOUT_MS = 15_000;

/** The query every rotation child answers with the last progress message it sent (or null). */
export const PROGRESS_QUERY = 'keywarden.progress';

export interface ChildProgressInput {
  children: Array<{ workflowId: string; runId?: string }>;
}

/**
 * A child's own answer to "what stage are you at": `answered` with its last progress message
 * (null before its first), `gone` when no such workflow exists, `unreachable` when it could not
 * be asked now (no worker, query timeout): the parent asks again later.
 */
export type ChildProgressAnswer = { workflowId: string } & (
  | { outcome: 'answered'; progress: unknown }
  | { outcome: 'gone' }
  | { outcome: 'unreachable'; reason: string }
);

export function createWorkflowActivities(deps: ActivityDeps) {
  const client = (): Client => {
    if (!deps.temporal) {
      throw ApplicationFailure.nonRetryable('this worker has no Temporal client to describe workflows with');
    }
    return deps.temporal;
  };

  return {
    /**
     * Describes child workflows by ID and returns those that have closed, with what the parent
     * needs of each. Running ones (and unknown IDs) are left out.
     */
    async closedChildren(input: ClosedChildrenInput): Promise<ClosedChild[]> {
      const temporal = client();
      const closed: ClosedChild[] = [];
      const ids = [...input.workflowIds];
      const finishing = new Set(input.finishing ?? []);
      const worker = async () => {
        for (let id = ids.shift(); id !== undefined; id = ids.shift()) {
          const handle = temporal.workflow.getHandle(id, input.runIds?.[id]);
          let status: string;
          try {
            if (finishing.has(id)) await closedWithin(handle, FINISHING_WAIT_MS);
            status = (await handle.describe()).status.name;
          } catch {
            continue; // not found (yet): the next reconciliation looks again
          }
          if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') continue;
          const entry: ClosedChild = { kind: input.kind, workflowId: id, status };
          if (status === 'COMPLETED') {
            const result: unknown = await handle.result();
            if (input.kind === 'key') entry.report = result as UserRotationReport;
            else if (input.kind === 'shard') entry.shardStatus = result as CampaignStatus;
            else entry.summary = summaryOf(result as AccountRotationReport);
          }
          closed.push(entry);
        }
      };
      await Promise.all(Array.from({ length: DESCRIBE_CONCURRENCY }, worker));
      return closed;
    },

    /** Those of `workflowIds` that are running now (unknown IDs are not). */
    async runningWorkflows(input: { workflowIds: string[] }): Promise<string[]> {
      const temporal = client();
      const running: string[] = [];
      for (const id of input.workflowIds) {
        try {
          if ((await temporal.workflow.getHandle(id).describe()).status.name === 'RUNNING') running.push(id);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      return running;
    },

    /**
     * Asks child workflows for their progress with a query. Progress signals can be sent by anyone
     * who may signal the namespace; a query reaches the child itself, so its answer is what the
     * parent acts on.
     */
    async childProgress(input: ChildProgressInput): Promise<ChildProgressAnswer[]> {
      const temporal = client();
      const queue = [...input.children];
      const answers: ChildProgressAnswer[] = [];
      const worker = async () => {
        for (let child = queue.shift(); child !== undefined; child = queue.shift()) {
          const { workflowId } = child;
          try {
            // A query waits for a worker to answer it: bounded, so a stopping worker never waits on itself.
            const signal = AbortSignal.any([
              Context.current().cancellationSignal,
              AbortSignal.timeout(QUERY_TIMEOUT_MS),
            ]);
            const progress: unknown = await temporal.withAbortSignal(signal, () =>
              temporal.workflow.getHandle(workflowId, child.runId).query(PROGRESS_QUERY),
            );
            answers.push({ workflowId, outcome: 'answered', progress: progress ?? null });
          } catch (error) {
            if (error instanceof WorkflowNotFoundError) answers.push({ workflowId, outcome: 'gone' });
            else
              answers.push({
                workflowId,
                outcome: 'unreachable',
                reason: error instanceof Error ? error.message : String(error),
              });
          }
        }
      };
      await Promise.all(Array.from({ length: DESCRIBE_CONCURRENCY }, worker));
      return answers;
    },
  };
}

/** Waits until the workflow closes (any outcome) or `ms` pass, whichever is first. */
async function closedWithin(handle: { result(): Promise<unknown> }, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    handle.result().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
