import { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type KeywardenActivities } from '../activities';
import { applyWorkerV8Flags } from './v8-flags';
import { DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS } from './worker-config';
import { payloadConverterPath, workflowsBundledAtStart } from './workflow-bundle-options';

export interface KeywardenWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  maxConcurrentActivityTaskExecutions?: number;
  /**
   * Workflow tasks one worker holds at once. A task the worker has taken but not yet run counts
   * against its 10 s timeout, so taking more than the process can run (the SDK takes 40) turns a
   * burst, such as a decision reaching every account of a campaign, into timed-out tasks.
   */
  maxConcurrentWorkflowTaskExecutions?: number;
  maxTaskQueueActivitiesPerSecond?: number;
  /** Workflows kept in memory between tasks; the SDK sizes it from the heap limit when unset. */
  maxCachedWorkflows?: number;
  /** A prebuilt workflow bundle (built with workflowBundleOptions(); tests build one and share it); otherwise the worker bundles workflows/ itself. */
  workflowBundlePath?: string;
  identity?: string;
  /** Runs workflows on the main thread without task time limits: for memory and CPU profiling only. */
  debugMode?: boolean;
  /** Replaces some activities: tests run the real workflows against scripted activities with these. */
  activityOverrides?: Partial<KeywardenActivities>;
}

export async function createKeywardenWorker(opts: KeywardenWorkerOptions): Promise<Worker> {
  applyWorkerV8Flags();
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> =
    opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : workflowsBundledAtStart();
  // Parents reconcile their children by describing them: give the activities a client on the same connection.
  const deps: ActivityDeps = {
    ...opts.deps,
    temporal: opts.deps.temporal ?? new Client({ connection: opts.connection, namespace: opts.namespace }),
  };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...workflows,
    dataConverter: { payloadConverterPath },
    activities: { ...createActivities(deps), ...opts.activityOverrides },
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 20,
    maxConcurrentWorkflowTaskExecutions:
      opts.maxConcurrentWorkflowTaskExecutions ?? DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxTaskQueueActivitiesPerSecond: opts.maxTaskQueueActivitiesPerSecond ?? 50,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.debugMode === true ? { debugMode: true } : {}),
    ...(opts.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: opts.maxCachedWorkflows }),
    shutdownGraceTime: '10s',
  });
}
