import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { NotificationRecord, NotifyResult } from '../domain/notification-messages';
import { failureMessage } from './failure-message';

/** Runs started before notifications existed never schedule one (their specs cannot ask for any). */
export const NOTIFICATIONS = 'notifications';

/** The campaign keeps this many of the approvers' notification records. */
export const MAX_NOTIFICATION_RECORDS = 50;

/** Bounded: a notification that cannot be delivered costs a rotation about a minute, never more. */
export const notifications = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 4 },
});

/**
 * Sends one notification and says what came of it. Never throws, and is not interrupted by a
 * cancellation: a notification must never fail or stall the work it reports on.
 */
export async function notify(event: string, send: () => Promise<NotifyResult>): Promise<NotificationRecord> {
  const at = new Date().toISOString();
  try {
    const result = await CancellationScope.nonCancellable(send);
    return { at, event, ...result };
  } catch (error) {
    return { at, event, sent: [], failed: [`notification failed: ${failureMessage(error)}`] };
  }
}
