import { NativeConnection } from '@temporalio/worker';
import { AwsClients } from '../activities/aws/clients';
import { awsEnvironmentFromEnv } from '../activities/aws/aws-config';
import { connectionFailureMessage } from '../connection/connection-failure';
import { workerConnectionOptions } from '../connection/connection-options';
import { describeTemporalConnection } from '../connection/temporal-connection';
import { approverRegistryFromEnv } from './approver-registry-file';
import { createKeywardenWorker } from './create-worker';
import { workerConfigFromEnv } from './worker-config';

/** A worker process: polls the task queue until SIGINT/SIGTERM, then finishes running activities and exits. */
async function main(): Promise<void> {
  const config = workerConfigFromEnv();
  const approverRegistry = approverRegistryFromEnv();
  const aws = new AwsClients(awsEnvironmentFromEnv());
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
      deps: { aws, ...(approverRegistry === undefined ? {} : { approverRegistry }) },
      maxConcurrentActivityTaskExecutions: config.KEYWARDEN_MAX_CONCURRENT_ACTIVITIES,
      maxTaskQueueActivitiesPerSecond: config.KEYWARDEN_TASK_QUEUE_ACTIVITIES_PER_SECOND,
    });
    console.log(
      `keywarden worker polling task queue ${config.KEYWARDEN_TASK_QUEUE} on ${describeTemporalConnection(config.temporal)}`,
    );
    console.log(
      approverRegistry === undefined
        ? 'approver keys: none on this worker (KEYWARDEN_APPROVER_KEYS unset): specs bring their own, or approvals are not signed'
        : `approver keys: ${Object.keys(approverRegistry.publicKeys).length} from KEYWARDEN_APPROVER_KEYS; signatures ${approverRegistry.requireSignatures ? 'required for every gate' : 'as each spec says'}`,
    );
    await worker.run();
  } finally {
    await connection.close();
    aws.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`keywarden worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
