import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workerConfigFromEnv } from '../../../worker/worker-config';

const base = { TEMPORAL_CONFIG_FILE: '', TEMPORAL_ADDRESS: '127.0.0.1:7233' };

describe('KEYWARDEN_WORKFLOW_BUNDLE: a worker that starts from a prebuilt workflow bundle', () => {
  test('unset, the worker bundles workflows itself; set, it uses the file', () => {
    assert.equal(workerConfigFromEnv(base).KEYWARDEN_WORKFLOW_BUNDLE, undefined);
    assert.equal(
      workerConfigFromEnv({ ...base, KEYWARDEN_WORKFLOW_BUNDLE: '/opt/keywarden/workflow-bundle.js' })
        .KEYWARDEN_WORKFLOW_BUNDLE,
      '/opt/keywarden/workflow-bundle.js',
    );
  });

  test('an empty value is refused, naming the variable', () => {
    assert.throws(
      () => workerConfigFromEnv({ ...base, KEYWARDEN_WORKFLOW_BUNDLE: '' }),
      /KEYWARDEN_WORKFLOW_BUNDLE/,
    );
  });
});
