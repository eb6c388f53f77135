import { proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { KeyLookup, KeyLookupRequest } from '../domain/key-lookup';

const { lookUpKey } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2 },
});

/** What `keywarden whois` and `doctor` show: read on the worker, which holds the AWS credentials. */
export async function keyLookup(request: KeyLookupRequest): Promise<KeyLookup> {
  return lookUpKey(request);
}
