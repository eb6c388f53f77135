import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common';
import { readWebhookPolicyFile } from '../../../client/webhook/policy-file';
import { buildWebhookServer } from '../../../client/webhook/server';
import { signWebhookPayload } from '../../../client/webhook/signature';
import { KeywardenKind, searchAttributeRegistrations } from '../../../domain/search-attributes';
import { paths } from '../../../sandbox/project-paths';
import { runKeywarden } from '../../support/cli-process';
import { testStack } from '../../support/test-stack';

const NAMES = searchAttributeRegistrations.map((sa) => sa.name);
const specText = (id: string) =>
  `id: ${id}\nname: setup test\ninitiator: ops@example.com\nscope:\n  allAccounts: true\n` +
  'approval:\n  approvers: [alice@example.com]\n';

describe('keywarden setup registers the search attributes on a namespace that lacks them', () => {
  const stack = testStack();
  // A namespace of its own: the dev server's default one has the attributes from its start flags.
  const namespace = `setup-${Date.now().toString(36)}`;
  const taskQueue = `setup-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    KEYWARDEN_TASK_QUEUE: taskQueue,
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-setup-'));
  let connection: Connection;

  const customAttributes = async () =>
    (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};

  before(async () => {
    connection = await Connection.connect({ address: stack.temporalAddress });
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msNumberToTs(86_400_000),
    });
    // A new namespace takes a moment to be served by every service of the dev server.
    for (let attempt = 0; attempt < 50; attempt++) {
      const described = await connection.workflowService
        .describeNamespace({ namespace })
        .catch(() => undefined);
      if (described !== undefined) break;
      await delay(200);
    }
  });
  after(async () => {
    const client = new Client({ connection, namespace });
    for (const id of ['setup-before', 'setup-after', 'offboard-e-setup', 'offboard-e-setup-webhook'])
      await client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('before setup, starting a campaign or an offboarding fails with a message that names keywarden setup', async () => {
    const before = await customAttributes();
    assert.deepEqual(
      NAMES.filter((name) => Object.keys(before).includes(name)),
      [],
      'the fresh namespace must not have them yet',
    );
    const specFile = path.join(dir, 'before.yaml');
    writeFileSync(specFile, specText('setup-before'));
    const run = await runKeywarden(env, 'rotate', specFile);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /could not start campaign setup-before: namespace setup-\S+ does not know keywarden's search attributes/,
    );
    assert.match(run.stderr, /run `keywarden setup`/);

    const offboard = await runKeywarden(
      env,
      'offboard',
      '--employee',
      'e-setup',
      '--email',
      'leaver@example.com',
      '--initiator',
      'hr@example.com',
      '--approver',
      'alice@example.com',
    );
    assert.equal(offboard.code, 1, offboard.stderr);
    assert.match(
      offboard.stderr,
      /could not start the offboarding: namespace \S+ does not know keywarden's search attributes/,
    );
    assert.match(offboard.stderr, /run `keywarden setup`/);
  });

  test('before setup, the webhook answers an offboarding request with a message that names keywarden setup', async () => {
    const secret = randomBytes(32).toString('hex');
    const app = buildWebhookServer({
      client: new Client({ connection, namespace }),
      taskQueue,
      policy: readWebhookPolicyFile(path.join(paths.root, 'examples', 'webhook-policy.yaml')),
      secret,
    });
    try {
      const payload = JSON.stringify({
        employeeId: 'e-setup-webhook',
        match: { tagValues: ['leaver@example.com'] },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const requestId = randomUUID();
      const response = await app.inject({
        method: 'POST',
        url: '/v1/offboarding',
        payload,
        headers: {
          'content-type': 'application/json',
          'x-keywarden-timestamp': timestamp,
          'x-keywarden-request-id': requestId,
          'x-keywarden-signature': signWebhookPayload(secret, timestamp, requestId, payload),
        },
      });
      assert.equal(response.statusCode, 503, response.body);
      const { error } = response.json<{ error: string }>();
      assert.match(
        error,
        /^the offboarding could not start: namespace setup-\S+ does not know keywarden's search attributes/,
      );
      assert.match(error, /run `keywarden setup`/);
    } finally {
      await app.close();
    }
  });

  test('setup registers every attribute as Keyword, and a second run changes nothing', async () => {
    const first = await runKeywarden(env, 'setup');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`registered: ${NAMES.join(', ')}`));
    const registered = await customAttributes();
    for (const name of NAMES) assert.equal(registered[name], 2, `${name} is a Keyword attribute`);

    const second = await runKeywarden(env, 'setup');
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /registered:/);
    assert.match(second.stdout, new RegExp(`already there: ${NAMES.join(', ')}`));
    assert.deepEqual(await customAttributes(), registered);
  });

  test('after setup, the same campaign starts', async () => {
    const specFile = path.join(dir, 'after.yaml');
    writeFileSync(specFile, specText('setup-after'));
    const run = await runKeywarden(env, 'rotate', specFile);
    assert.equal(run.code, 0, run.stderr);
    const described = await new Client({ connection, namespace }).workflow
      .getHandle('setup-after')
      .describe();
    assert.equal(described.typedSearchAttributes.get(KeywardenKind), 'campaign');
  });

  test('a namespace that does not exist: a clear error, exit 1', async () => {
    const run = await runKeywarden({ ...env, TEMPORAL_NAMESPACE: `missing-${namespace}` }, 'setup');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /could not register search attributes on .*missing-setup-/);
  });
});
