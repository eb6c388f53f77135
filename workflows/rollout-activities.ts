import { proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';

/**
 * The activities that make a new key, shared by the rotation saga and a revocation's replacement.
 * Creating a key must end with the key recorded and staged, or deleted: retry a crashed worker for
 * long. Non-retryable failures (LimitExceeded, AccessDenied) still end it at once.
 */
export const creation = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
});

/** A brand-new key is refused until IAM has propagated it: retry longer. */
export const verification = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 1.5, maximumInterval: '20s', maximumAttempts: 12 },
});
