import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AwsClients } from '../../activities/aws/clients';
import { createWorkflowActivities } from '../../activities/workflow-activities';
import { searchAttributeRegistrations } from '../../domain/search-attributes';
import { paths } from '../../sandbox/project-paths';
import { STACK_ENV } from '../harness/stack-env';
import type { scriptedAws } from './scripted-aws';
import { payloadConverterPath, workflowsBundledAtStart } from '../../worker/workflow-bundle-options';
import { createApproverRegistryActivities } from '../../activities/approver-registry-activities';
import type { ApproverRegistry } from '../../domain/approver-registry';

const KEYWORD = 2; // INDEXED_VALUE_TYPE_KEYWORD
export const DAY = 86_400_000;
/** Scripted workers never reach AWS; the workflow activities take no AWS clients. */
const unusedAws = undefined as unknown as AwsClients;

/** Temporal's time-skipping test server from the project venv, with keywarden's search attributes. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: { type: 'existing-path', path: path.join(paths.venv, 'bin', 'temporal-test-server') },
    },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(searchAttributeRegistrations.map((sa) => [sa.name, KEYWORD])),
  });
  return env;
}

/** A worker on the test server running the real workflows against scripted AWS activities. */
export async function scriptedWorker(
  env: TestWorkflowEnvironment,
  aws: ReturnType<typeof scriptedAws>,
  options: {
    maxConcurrentActivityTaskExecutions?: number;
    maxConcurrentWorkflowTaskExecutions?: number;
    maxCachedWorkflows?: number;
    approverRegistry?: ApproverRegistry;
  } = {},
) {
  const { approverRegistry, ...workerOptions } = options;
  const taskQueue = `ts-${randomUUID()}`;
  const bundle = process.env[STACK_ENV.workflowBundle];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : workflowsBundledAtStart()),
    dataConverter: { payloadConverterPath },
    // Parents reconcile their children by describing them: the real activity, on the test server.
    activities: {
      // A plain client: the environment's own one unlocks time skipping around every result() it
      // awaits, and the reconciliation awaits several at once, which unbalances the server's lock.
      ...createWorkflowActivities({
        aws: unusedAws,
        temporal: new Client({ connection: env.connection, namespace: env.namespace ?? 'default' }),
      }),
      ...createApproverRegistryActivities({
        aws: unusedAws,
        ...(approverRegistry === undefined ? {} : { approverRegistry }),
      }),
      ...aws.activities,
    },
    ...workerOptions,
  });
  return { worker, taskQueue };
}

/** Workflow time elapsed since `startMs`, in days with one decimal. */
export async function simulatedDay(env: TestWorkflowEnvironment, startMs: number): Promise<number> {
  return Math.round(((await env.currentTimeMs()) - startMs) / (DAY / 10)) / 10;
}

export interface ClockWatch {
  /** Locks released because the simulated clock had stalled at wall-clock speed. */
  releases: number;
  /** Releases the server refused (it held no lock: the stall was something else). */
  refused: number;
  stop(): void;
}

/**
 * Under heavy load the time-skipping test server now and then leaks a time-skipping lock: its
 * clock then runs at wall-clock speed with nothing left to wait for, and a week takes a week.
 * Every `everyMs` of wall time this compares the simulated time that passed with the wall time;
 * when the clock moved less than `minSpeed` times as fast, it releases one lock. A healthy run
 * releases none; the scale test prints the count.
 */
export function watchClock(
  env: TestWorkflowEnvironment,
  { everyMs = 60_000, minSpeed = 2 }: { everyMs?: number; minSpeed?: number } = {},
): ClockWatch {
  const watch = { releases: 0, refused: 0, stop: () => clearInterval(timer) };
  let last: { wall: number; sim: number } | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const now = { wall: Date.now(), sim: await env.currentTimeMs() };
        if (last !== undefined && now.sim - last.sim < minSpeed * (now.wall - last.wall)) {
          try {
            await env.connection.testService?.unlockTimeSkipping({});
            watch.releases++;
          } catch {
            watch.refused++;
          }
        }
        last = now;
      } catch {
        // the server did not answer this time; compare again at the next tick
        last = undefined;
      } finally {
        busy = false;
      }
    })();
  }, everyMs);
  timer.unref();
  return watch;
}
