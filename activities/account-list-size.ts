import { ApplicationFailure } from '@temporalio/common';
import type { AccountRef } from '../domain/inventory';
import { ErrorType } from '../domain/errors';

/**
 * The largest account list an activity returns. Temporal refuses a payload over 2 MB by default
 * (the server's blob size limit); this leaves room for the payload's own encoding.
 */
export const MAX_ACCOUNT_LIST_BYTES = 1.5 * 1024 * 1024;

/**
 * Refuses, non-retryably and with what to do, an account list too large for one payload. Temporal
 * would reject the activity's completion instead: the listing would be repeated over the whole
 * organization and end in Temporal's size error, which names neither the cause nor the remedy.
 */
export function assertAccountListFits(
  accounts: readonly AccountRef[],
  maxBytes: number = MAX_ACCOUNT_LIST_BYTES,
): void {
  const bytes = Buffer.byteLength(JSON.stringify(accounts));
  if (bytes <= maxBytes) return;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
  throw ApplicationFailure.nonRetryable(
    `the scope covers ${accounts.length} accounts, and their list (${mb(bytes)} MiB) is more than one ` +
      `Temporal payload may carry (${mb(maxBytes)} MiB here, 2 MB by default): narrow the scope ` +
      '(scope.includeOus, or scope.includeAccounts) and run one campaign or offboarding per part of the organization',
    ErrorType.LimitExceeded,
  );
}
