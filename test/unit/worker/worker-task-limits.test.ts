import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS, workerConfigFromEnv } from '../../../worker/worker-config';

const base = { TEMPORAL_CONFIG_FILE: '', TEMPORAL_ADDRESS: '127.0.0.1:7233' };

describe("the worker's workflow task and cache limits", () => {
  test('unset: keywarden takes fewer workflow tasks at once than the SDK (40), and the SDK sizes the cache', () => {
    const config = workerConfigFromEnv(base);
    assert.equal(config.KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS, DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS);
    assert.ok(DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS < 40);
    assert.equal(config.KEYWARDEN_MAX_CACHED_WORKFLOWS, undefined);
  });

  test('set: both are read as numbers', () => {
    const config = workerConfigFromEnv({
      ...base,
      KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS: '4',
      KEYWARDEN_MAX_CACHED_WORKFLOWS: '300',
    });
    assert.equal(config.KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS, 4);
    assert.equal(config.KEYWARDEN_MAX_CACHED_WORKFLOWS, 300);
  });

  test('out of range or not a number: refused, naming the variable', () => {
    for (const [name, value] of [
      ['KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
      ['KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS', 'many'],
      ['KEYWARDEN_MAX_CACHED_WORKFLOWS', '-1'],
      ['KEYWARDEN_MAX_CACHED_WORKFLOWS', '2.5'],
    ] as const) {
      assert.throws(
        () => workerConfigFromEnv({ ...base, [name]: value }),
        new RegExp(name),
        `${name}=${value}`,
      );
    }
  });
});
