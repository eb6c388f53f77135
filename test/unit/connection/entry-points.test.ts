import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CliError } from '../../../client/cli-error';
import { resolveTemporalTarget } from '../../../client/temporal-target';
import { loadTemporalConnection } from '../../../connection/load-temporal-connection';
import { sandboxEnvironment } from '../../../sandbox/sandbox-lifecycle';
import type { SandboxState } from '../../../sandbox/sandbox-state';
import { workerConfigFromEnv } from '../../../worker/worker-config';

const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-entry-'));
const emptyHome = path.join(dir, 'home');
mkdirSync(emptyHome);
after(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'temporal.toml');
writeFileSync(
  file,
  '[profile.prod]\naddress = "temporal.prod.example.com:7233"\nnamespace = "keywarden-prod"\n' +
    '[profile.prod.tls]\nserver_name = "temporal.prod.example.com"\n',
);
const prodEnv = { HOME: emptyHome, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' };

describe('the CLI, the worker and the sandbox read one configuration', () => {
  test('CLI: the profile gives address, namespace and TLS; KEYWARDEN_TASK_QUEUE still picks the task queue', () => {
    const target = resolveTemporalTarget({
      ...prodEnv,
      KEYWARDEN_TASK_QUEUE: 'kw-prod',
      TEMPORAL_UI_URL: 'https://ui.example.com',
    });
    assert.equal(target.address, 'temporal.prod.example.com:7233');
    assert.equal(target.namespace, 'keywarden-prod');
    assert.deepEqual(target.tls, { serverName: 'temporal.prod.example.com' });
    assert.equal(target.taskQueue, 'kw-prod');
    assert.equal(target.uiUrl, 'https://ui.example.com');
  });

  test('CLI: a configuration error is a usage error (exit 2) that says what to fix', () => {
    try {
      resolveTemporalTarget({ HOME: emptyHome, TEMPORAL_ADDRESS: 'http://localhost:7233' });
      assert.fail('expected a CliError');
    } catch (error) {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, 2);
      assert.match(
        error.message,
        /^Temporal connection: TEMPORAL_ADDRESS must be host:port without a scheme/,
      );
    }
  });

  test('worker: the same profile gives the same connection as the CLI', () => {
    const config = workerConfigFromEnv({ ...prodEnv, KEYWARDEN_TASK_QUEUE: 'kw-prod' });
    const target = resolveTemporalTarget(prodEnv);
    const { taskQueue: _q, uiUrl: _u, ...cliConnection } = target;
    assert.deepEqual(config.temporal, cliConnection);
    assert.equal(config.KEYWARDEN_TASK_QUEUE, 'kw-prod');
  });

  test('worker: nothing configured means the dev server on the default local port', () => {
    const config = workerConfigFromEnv({ HOME: emptyHome });
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.temporal.tls, false);
  });

  test("sandbox: its worker ignores the caller's profile and credentials and talks plaintext to the sandbox", () => {
    const state = {
      taskQueue: 'keywarden',
      temporal: { address: '127.0.0.1:7411', namespace: 'default', uiUrl: 'http://127.0.0.1:8411' },
      aws: {
        endpoint: 'http://127.0.0.1:5111',
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      },
    } as SandboxState;
    const saved = { ...process.env };
    Object.assign(process.env, { ...prodEnv, TEMPORAL_API_KEY: 'a-cloud-key', TEMPORAL_TLS: 'true' });
    try {
      const connection = loadTemporalConnection(sandboxEnvironment(state));
      assert.deepEqual(connection, {
        address: '127.0.0.1:7411',
        namespace: 'default',
        tls: false,
        origin: 'TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE',
      });
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});
