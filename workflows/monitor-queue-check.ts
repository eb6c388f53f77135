import { proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';

const { checkMonitorQueue } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** Checks, with the worker's credentials, that the monitor's queue exists; the CLI runs it before starting the monitor. */
export async function monitorQueueCheck(input: { queueUrl: string }): Promise<{ queueArn: string }> {
  return checkMonitorQueue(input);
}
