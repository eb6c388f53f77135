import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { AwsClients } from '../../activities/aws/clients';
import type { KeywardenActivities } from '../../activities';
import type { ActivityDeps } from '../../activities/deps';
import { resetMoto } from '../../sandbox/moto-server';
import { seedOrganization, type SeededOrg, type SeedOptions } from '../../sandbox/seed-org';
import { createKeywardenWorker } from '../../worker/create-worker';
import { STACK_ENV } from '../harness/stack-env';

/**
 * Every line the worker runtime logs in this test process, at every level, so a test can prove
 * what never reaches a log. Only warnings and errors are printed.
 */
export const workerLogLines: string[] = [];
Runtime.install({
  logger: new DefaultLogger('TRACE', (entry: LogEntry) => {
    const line = JSON.stringify({ level: entry.level, message: entry.message, meta: entry.meta });
    workerLogLines.push(line);
    if (entry.level === 'WARN' || entry.level === 'ERROR') console.error(line);
  }),
});

export interface TestStack {
  temporalAddress: string;
  namespace: string;
  uiUrl: string;
  awsEndpoint: string;
  workflowBundlePath?: string;
}

/** Where the harness started the real services. Tests that need them fail loudly without them. */
export function testStack(): TestStack {
  const temporalAddress = process.env[STACK_ENV.temporalAddress];
  const awsEndpoint = process.env[STACK_ENV.awsEndpoint];
  if (!temporalAddress || !awsEndpoint) {
    throw new Error('integration tests need the local stack: run them with "npm test", which starts it');
  }
  return {
    temporalAddress,
    awsEndpoint,
    namespace: process.env[STACK_ENV.temporalNamespace] ?? 'default',
    uiUrl: process.env[STACK_ENV.temporalUiUrl] ?? '',
    workflowBundlePath: process.env[STACK_ENV.workflowBundle],
  };
}

/** Empties the emulator and seeds a fresh org. Test files run one at a time, so each has it to itself. */
export async function freshOrg(stack: TestStack, opts: Partial<SeedOptions> = {}): Promise<SeededOrg> {
  await resetMoto(stack.awsEndpoint);
  return seedOrganization({ endpoint: stack.awsEndpoint, ...opts });
}

export function awsClientsFor(stack: TestStack, org: SeededOrg): AwsClients {
  const { accessKeyId, secretAccessKey } = org.operatorCredentials;
  return new AwsClients({
    region: org.region,
    endpoint: stack.awsEndpoint,
    baseCredentials: () => Promise.resolve({ accessKeyId, secretAccessKey }),
  });
}

export interface RunningWorker {
  client: Client;
  taskQueue: string;
  worker: Worker;
  aws: AwsClients;
  stop(): Promise<void>;
}

/** A real worker on a task queue of its own, against the real dev server and emulator. */
export async function startTestWorker(
  stack: TestStack,
  org: SeededOrg,
  extraDeps: Partial<ActivityDeps> = {},
  activityOverrides: Partial<KeywardenActivities> = {},
): Promise<RunningWorker> {
  const taskQueue = `test-${randomUUID()}`;
  const aws = awsClientsFor(stack, org);
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await createKeywardenWorker({
    connection: nativeConnection,
    namespace: stack.namespace,
    taskQueue,
    deps: { aws, ...extraDeps },
    activityOverrides,
    workflowBundlePath: stack.workflowBundlePath,
  }).catch(async (error: unknown) => {
    await nativeConnection.close();
    aws.destroy();
    throw error;
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.namespace });
  return {
    client,
    taskQueue,
    worker,
    aws,
    stop: async () => {
      await terminateLeftovers(client, taskQueue);
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      aws.destroy();
    },
  };
}

/**
 * Terminates what a test left running on its task queue (a campaign at its gate, a monitor), so
 * that its timers do not keep the shared dev server busy for the files that run after it.
 */
async function terminateLeftovers(client: Client, taskQueue: string): Promise<void> {
  let terminated = 0;
  try {
    const query = `TaskQueue="${taskQueue}" AND ExecutionStatus="Running"`;
    for await (const execution of client.workflow.list({ query })) {
      await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .terminate('the test that started it has finished')
        .then(() => terminated++)
        .catch(() => undefined); // already closed, e.g. a child of one terminated before it
    }
  } catch (error) {
    console.log(`# could not list what was left running on ${taskQueue}: ${String(error)}`);
  }
  if (terminated > 0) console.log(`# terminated ${terminated} workflow(s) left running on ${taskQueue}`);
}

/**
 * A real worker on the real dev server whose AWS activities are scripted: for saga paths that
 * the emulator cannot produce on demand (a key that fails verification, say). The scripted
 * activities replace the real ones; nothing reaches AWS.
 */
export async function startScriptedWorker(
  stack: TestStack,
  activities: Partial<KeywardenActivities>,
): Promise<RunningWorker> {
  const unreachable: SeededOrg = {
    region: 'us-east-1',
    managementAccountId: '000000000000',
    operatorCredentials: { accessKeyId: 'scripted', secretAccessKey: 'scripted' },
    rootId: 'r-none',
    ous: [],
    accounts: [],
    users: [],
  };
  return startTestWorker({ ...stack, awsEndpoint: 'http://127.0.0.1:9' }, unreachable, {}, activities);
}
