import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface KeywardenWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  maxConcurrentActivityTaskExecutions?: number;
  maxTaskQueueActivitiesPerSecond?: number;
  /** A prebuilt workflow bundle (tests build one and share it); otherwise the worker bundles workflows/ itself. */
  workflowBundlePath?: string;
  identity?: string;
}

export async function createKeywardenWorker(opts: KeywardenWorkerOptions): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...workflows,
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 20,
    maxTaskQueueActivitiesPerSecond: opts.maxTaskQueueActivitiesPerSecond ?? 50,
    ...(opts.identity ? { identity: opts.identity } : {}),
    shutdownGraceTime: '10s',
  });
}
