import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { assertAccountListFits, MAX_ACCOUNT_LIST_BYTES } from '../../../activities/account-list-size';
import { accountListAnswer } from '../../../activities/organization-activities';
import type { AccountRef } from '../../../domain/inventory';
import { ErrorType } from '../../../domain/errors';
import { unpackAccountList } from '../../../domain/packed-account-list';

/** Temporal's SDK warns about a payload over this size (and the server refuses one over 2 MB). */
const PAYLOAD_WARNING_BYTES = 512 * 1024;

/** Accounts shaped as an organization lists them within OUs: ID, a name, the OU's ID and name. */
function accounts(count: number, ous = 1): AccountRef[] {
  return Array.from({ length: count }, (_, i) => ({
    accountId: String(100_000_000_000 + i),
    name: `workload-${i}-prod-eu-west-1`,
    ouId: `ou-ab12-cdef${String(i % ous).padStart(4, '0')}`,
    ouName: `Production workloads ${i % ous}`,
  }));
}

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

describe('the size of an account list', () => {
  test('10,000 accounts in 50 OUs, packed, stay under the payload warning; as plain objects they do not', () => {
    const list = accounts(10_000, 50);
    const packed = accountListAnswer(list, { packed: true });
    const plain = accountListAnswer(list, undefined);
    console.log(
      `10,000 accounts: packed ${mib(size(packed))}, plain ${mib(size(plain))}; ` +
        `warning at ${mib(PAYLOAD_WARNING_BYTES)}, refused over ${mib(MAX_ACCOUNT_LIST_BYTES)}`,
    );
    assert.ok(size(packed) < PAYLOAD_WARNING_BYTES, `packed: ${size(packed)} bytes`);
    assert.ok(size(plain) > PAYLOAD_WARNING_BYTES, `plain: ${size(plain)} bytes`);
    assert.deepEqual(unpackAccountList(packed), list);
  });

  test('a list past the limit is refused, non-retryably, saying how many accounts and what to do', () => {
    // Packed or not: the workflow carries the list on as objects, so the limit is on that form.
    for (const options of [undefined, { packed: true }]) {
      assert.throws(
        () => accountListAnswer(accounts(20_000), options),
        (error: unknown) => {
          assert.ok(error instanceof ApplicationFailure);
          assert.equal(error.nonRetryable, true);
          assert.equal(error.type, ErrorType.LimitExceeded);
          assert.match(error.message, /the scope covers 20000 accounts/);
          assert.match(error.message, /narrow the scope \(scope\.includeOus, or scope\.includeAccounts\)/);
          return true;
        },
      );
    }
  });

  test('the limit is on the list as JSON, at the byte', () => {
    const list = accounts(3);
    const bytes = size(list);
    assert.doesNotThrow(() => assertAccountListFits(list, bytes));
    assert.throws(() => assertAccountListFits(list, bytes - 1), ApplicationFailure);
  });
});
