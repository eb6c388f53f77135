import { NativeConnection } from '@temporalio/worker';
import { AwsClients } from '../activities/aws/clients';
import { awsEnvironmentFromEnv } from '../activities/aws/aws-config';
import { connectionFailureMessage } from '../connection/connection-failure';
import { workerConnectionOptions } from '../connection/connection-options';
import { describeTemporalConnection } from '../connection/temporal-connection';
import { approverRegistryFromEnv } from './approver-registry-file';
import { createKeywardenWorker } from './create-worker';
import { workerConfigFromEnv, type WorkerConfig } from './worker-config';
import { WorkerConfigError } from './worker-config-error';
import type { ApproverRegistry } from '../domain/approver-registry';

/**
 * One worker: polls the task queue until SIGINT/SIGTERM, then finishes running activities and
 * returns. Scale out by running more processes on the same task queue, not more workers in one.
 */
export async function runWorker(
  env: NodeJS.ProcessEnv = process.env,
  say: (line: string) => void = console.log,
): Promise<void> {
  let config: WorkerConfig;
  let approverRegistry: ApproverRegistry | undefined;
  let awsEnvironment: ReturnType<typeof awsEnvironmentFromEnv>;
  try {
    config = workerConfigFromEnv(env);
    approverRegistry = approverRegistryFromEnv(env);
    awsEnvironment = awsEnvironmentFromEnv(env);
  } catch (error) {
    throw new WorkerConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const aws = new AwsClients(awsEnvironment, undefined, {
    maxMemberAccounts: config.KEYWARDEN_AWS_MEMBER_ACCOUNTS_CACHED,
  });
  const connection = await NativeConnection.connect(workerConnectionOptions(config.temporal)).catch(
    async (error: unknown) => {
      aws.destroy();
      throw new Error(await connectionFailureMessage(error, config.temporal));
    },
  );
  try {
    const worker = await createKeywardenWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.KEYWARDEN_TASK_QUEUE,
      deps: { aws, notify: config.notify, ...(approverRegistry === undefined ? {} : { approverRegistry }) },
      maxConcurrentActivityTaskExecutions: config.KEYWARDEN_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS,
      ...(config.KEYWARDEN_MAX_CACHED_WORKFLOWS === undefined
        ? {}
        : { maxCachedWorkflows: config.KEYWARDEN_MAX_CACHED_WORKFLOWS }),
      maxTaskQueueActivitiesPerSecond: config.KEYWARDEN_TASK_QUEUE_ACTIVITIES_PER_SECOND,
      ...(config.KEYWARDEN_WORKFLOW_BUNDLE === undefined
        ? {}
        : { workflowBundlePath: config.KEYWARDEN_WORKFLOW_BUNDLE }),
    });
    say(
      `keywarden worker polling task queue ${config.KEYWARDEN_TASK_QUEUE} on ${describeTemporalConnection(config.temporal)}`,
    );
    // Activity events in workflow histories carry this identity: it tells which process ran what.
    say(`worker identity: ${worker.options.identity}`);
    say(
      approverRegistry === undefined
        ? 'approver keys: none on this worker (KEYWARDEN_APPROVER_KEYS unset): specs bring their own, or approvals are not signed'
        : `approver keys: ${Object.keys(approverRegistry.publicKeys).length} from KEYWARDEN_APPROVER_KEYS; signatures ${approverRegistry.requireSignatures ? 'required for every gate' : 'as each spec says'}`,
    );
    say(
      `notifications: webhook ${config.notify.webhookUrl === undefined ? 'not configured (KEYWARDEN_NOTIFY_WEBHOOK_URL unset)' : 'configured'}; ` +
        `e-mail sender ${config.notify.emailFrom ?? 'from each spec (KEYWARDEN_NOTIFY_EMAIL_FROM unset)'}`,
    );
    await worker.run();
  } finally {
    await connection.close();
    aws.destroy();
  }
}
