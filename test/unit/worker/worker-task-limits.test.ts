import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MEMBER_ACCOUNTS_CACHED } from '../../../activities/aws/credentials';
import { DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS, workerConfigFromEnv } from '../../../worker/worker-config';

const base = { TEMPORAL_CONFIG_FILE: '', TEMPORAL_ADDRESS: '127.0.0.1:7233' };

describe("the worker's workflow task, cache and AWS client limits", () => {
  test('unset: keywarden takes fewer workflow tasks at once than the SDK (40), and the SDK sizes the cache', () => {
    const config = workerConfigFromEnv(base);
    assert.equal(config.KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS, DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS);
    assert.ok(DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS < 40);
    assert.equal(config.KEYWARDEN_MAX_CACHED_WORKFLOWS, undefined);
    assert.equal(config.KEYWARDEN_AWS_MEMBER_ACCOUNTS_CACHED, MEMBER_ACCOUNTS_CACHED);
  });

  test('set: each is read as a number', () => {
    const config = workerConfigFromEnv({
      ...base,
      KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS: '4',
      KEYWARDEN_MAX_CACHED_WORKFLOWS: '300',
      KEYWARDEN_AWS_MEMBER_ACCOUNTS_CACHED: '1000',
    });
    assert.equal(config.KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS, 4);
    assert.equal(config.KEYWARDEN_MAX_CACHED_WORKFLOWS, 300);
    assert.equal(config.KEYWARDEN_AWS_MEMBER_ACCOUNTS_CACHED, 1000);
  });

  test('out of range or not a number: refused, naming the variable', () => {
    for (const [name, value] of [
      ['KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
      ['KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS', 'many'],
      ['KEYWARDEN_MAX_CACHED_WORKFLOWS', '-1'],
      ['KEYWARDEN_MAX_CACHED_WORKFLOWS', '2.5'],
      ['KEYWARDEN_AWS_MEMBER_ACCOUNTS_CACHED', '0'],
    ] as const) {
      assert.throws(
        () => workerConfigFromEnv({ ...base, [name]: value }),
        new RegExp(name),
        `${name}=${value}`,
      );
    }
  });
});
