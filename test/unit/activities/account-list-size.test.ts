import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { assertAccountListFits, MAX_ACCOUNT_LIST_BYTES } from '../../../activities/account-list-size';
import type { AccountRef } from '../../../domain/inventory';
import { ErrorType } from '../../../domain/errors';

/** Accounts shaped as an organization lists them within OUs: ID, a name, the OU's ID and name. */
function accounts(count: number): AccountRef[] {
  return Array.from({ length: count }, (_, i) => ({
    accountId: String(100_000_000_000 + i),
    name: `workload-${i}-production-eu-west-1`,
    ouId: 'ou-ab12-cdef3456',
    ouName: 'Production workloads',
  }));
}

describe('the size of an account list', () => {
  test('an organization of 10,000 accounts fits in one payload', () => {
    const list = accounts(10_000);
    assert.doesNotThrow(() => assertAccountListFits(list));
    const bytes = Buffer.byteLength(JSON.stringify(list));
    console.log(
      `10,000 accounts: ${(bytes / 1024 / 1024).toFixed(2)} MiB of ${MAX_ACCOUNT_LIST_BYTES / 1024 / 1024} MiB`,
    );
  });

  test('a list past the limit is refused, non-retryably, saying how many accounts and what to do', () => {
    const list = accounts(20_000);
    assert.throws(
      () => assertAccountListFits(list),
      (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure);
        assert.equal(error.nonRetryable, true);
        assert.equal(error.type, ErrorType.LimitExceeded);
        assert.match(error.message, /the scope covers 20000 accounts/);
        assert.match(error.message, /narrow the scope \(scope\.includeOus, or scope\.includeAccounts\)/);
        return true;
      },
    );
  });

  test('the limit is on the list as JSON, at the byte', () => {
    const list = accounts(3);
    const bytes = Buffer.byteLength(JSON.stringify(list));
    assert.doesNotThrow(() => assertAccountListFits(list, bytes));
    assert.throws(() => assertAccountListFits(list, bytes - 1), ApplicationFailure);
  });
});
