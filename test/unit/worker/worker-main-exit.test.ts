import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { paths } from '../../../sandbox/project-paths';

test('the worker process the sandbox starts exits 2 on a bad environment, naming the variable', () => {
  const result = spawnSync(process.execPath, [path.join(paths.root, 'dist', 'worker', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      TEMPORAL_CONFIG_FILE: '',
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS: '1',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /keywarden worker: bad worker environment/);
  assert.match(result.stderr, /KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS/);
});
