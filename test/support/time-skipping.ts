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
import { payloadConverterPath } from '../../worker/create-worker';
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
  options: { maxConcurrentActivityTaskExecutions?: number; approverRegistry?: ApproverRegistry } = {},
) {
  const { approverRegistry, ...workerOptions } = options;
  const taskQueue = `ts-${randomUUID()}`;
  const bundle = process.env[STACK_ENV.workflowBundle];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: require.resolve('../../workflows') }),
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
