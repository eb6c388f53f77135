/**
 * The simulation's worker, in a process of its own so that its memory is measured alone: the
 * real workflows, scripted AWS activities with latency. Started by run-scale with its settings
 * in KEYWARDEN_SCALE_SIM_WORKER (JSON); reports its resident set size to the parent over IPC.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AwsClients } from '../../../activities/aws/clients';
import { createKeywardenWorker } from '../../../worker/create-worker';
import { simActivities } from './sim-org';

const WorkerSettingsSchema = z.strictObject({
  address: z.string().min(1),
  namespace: z.string().min(1),
  taskQueue: z.string().min(1),
  workflowBundlePath: z.string().min(1),
  accounts: z.int().min(1),
  campaignAccounts: z.int().min(0),
  usersPerAccount: z.int().min(1),
  keyedAccountEvery: z.int().min(1),
  latency: z.strictObject({ minMs: z.number().min(0), maxMs: z.number().min(0) }),
  maxConcurrentActivities: z.int().min(1),
  activitiesPerSecond: z.number().positive(),
  maxCachedWorkflows: z.int().min(0).optional(),
  maxConcurrentWorkflowTasks: z.int().min(2).optional(),
  /** Runs the workflows on the main thread (the SDK's debug mode), so that the heap figures include them. */
  workflowsOnMainThread: z.boolean().optional(),
});
export type SimWorkerSettings = z.infer<typeof WorkerSettingsSchema>;

export interface MemoryReport {
  kind: 'memory';
  rssBytes: number;
  peakRssBytes: number;
  /** The kernel's high-water mark of the resident set (Linux), which catches peaks between samples. */
  vmHwmBytes?: number;
  /** The main thread's V8 heap in use (with workflowsOnMainThread, the workflows' too). */
  heapUsedBytes: number;
  /** Memory outside the V8 heap held by JavaScript objects (buffers). */
  externalBytes: number;
  cachedWorkflows?: number;
  /** The heap in use right after a full collection (with workflowsOnMainThread only): what is live. */
  liveHeapBytes?: number;
}

function vmHwmBytes(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const settings = WorkerSettingsSchema.parse(JSON.parse(process.env.KEYWARDEN_SCALE_SIM_WORKER ?? '{}'));
  let peak = 0;
  // Set once the worker runs; the sampler starts before, to see the worker's start too.
  const started: { worker?: Worker } = {};
  // The diagnostic run exposes the collector: every tenth sample collects first, to see what is live.
  const collect = (globalThis as { gc?: () => void }).gc;
  let samples = 0;
  let liveHeapBytes: number | undefined;
  const report = (): void => {
    if (collect !== undefined && samples++ % 10 === 0) {
      collect();
      liveHeapBytes = process.memoryUsage().heapUsed;
    }
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    const hwm = vmHwmBytes();
    const message: MemoryReport = {
      kind: 'memory',
      rssBytes: usage.rss,
      peakRssBytes: peak,
      heapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
      ...(hwm === undefined ? {} : { vmHwmBytes: hwm }),
      ...(liveHeapBytes === undefined ? {} : { liveHeapBytes }),
      ...(started.worker === undefined
        ? {}
        : { cachedWorkflows: started.worker.getStatus().numCachedWorkflows }),
    };
    process.send?.(message);
  };
  const sampler = setInterval(report, 500);

  const connection = await NativeConnection.connect({ address: settings.address });
  // Nothing reaches AWS: every AWS activity is scripted; the clients point nowhere.
  const aws = new AwsClients({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    baseCredentials: () => Promise.resolve({ accessKeyId: 'scripted', secretAccessKey: 'scripted' }),
  });
  const running = await createKeywardenWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    deps: { aws },
    activityOverrides: simActivities(
      settings.accounts,
      settings.campaignAccounts,
      settings.usersPerAccount,
      settings.keyedAccountEvery,
      settings.latency,
    ),
    workflowBundlePath: settings.workflowBundlePath,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivities,
    maxTaskQueueActivitiesPerSecond: settings.activitiesPerSecond,
    ...(settings.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: settings.maxCachedWorkflows }),
    ...(settings.maxConcurrentWorkflowTasks === undefined
      ? {}
      : { maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTasks }),
    ...(settings.workflowsOnMainThread === true ? { debugMode: true } : {}),
  });
  started.worker = running;
  process.once('SIGTERM', () => running.shutdown());
  process.once('SIGINT', () => running.shutdown());
  process.send?.({ kind: 'ready' });
  await running.run();
  clearInterval(sampler);
  report();
  await connection.close();
  aws.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
