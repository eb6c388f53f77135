import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance, InjectOptions } from 'fastify';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildWebhookServer, MAX_BODY_BYTES } from '../../../client/webhook/server';
import { signWebhookPayload } from '../../../client/webhook/signature';
import { testStack } from '../../support/test-stack';
import { newWebhookSecret, signedHeaders, testPolicy, webhookBody } from './offboarding-fixtures';

/**
 * Every refusal of the HR webhook: the status code, the message, and proof that no workflow was
 * started (describe() of the would-be workflow ID finds nothing, and visibility lists nothing).
 * No worker runs on this task queue, so nothing could ever be processed either.
 */
describe('the HR webhook refuses every bad request with a clear 4xx and starts nothing', () => {
  const stack = testStack();
  const secret = newWebhookSecret();
  const taskQueue = `refusals-${randomUUID()}`;
  // Matching by email only, stripping credentials only, at most two values per request.
  const policy = testPolicy({
    match: { fields: ['tag:email'], maxValues: 2 },
    purgeModes: ['strip-credentials'],
  });
  let connection: Connection;
  let client: Client;
  let app: FastifyInstance;
  const logLines: string[] = [];

  before(async () => {
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.namespace });
    app = buildWebhookServer({
      client,
      taskQueue,
      policy,
      secret,
      logger: { level: 'debug', stream: { write: (line: string) => void logLines.push(line) } },
    });
  });
  after(async () => {
    await app?.close();
    await connection?.close();
  });

  const newEmployee = () => `emp-refused-${randomUUID().slice(0, 8)}`;

  async function assertNothingStarted(employeeId: string): Promise<void> {
    await assert.rejects(
      client.workflow.getHandle(`offboard-${employeeId}`).describe(),
      WorkflowNotFoundError,
    );
    let count = 0;
    for await (const _ of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) count++;
    assert.equal(count, 0, 'no workflow on this task queue');
  }

  async function refused(
    options: InjectOptions,
    employeeId: string,
    status: number,
    message: string | RegExp,
  ): Promise<void> {
    const response = await app.inject({ method: 'POST', url: '/v1/offboarding', ...options });
    assert.equal(response.statusCode, status, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const body = response.json<{ error: string }>();
    assert.deepEqual(Object.keys(body), ['error']);
    if (typeof message === 'string') assert.equal(body.error, message);
    else assert.match(body.error, message);
    assert.ok(!response.body.includes(secret), 'the secret is never echoed');
    const sent = options.headers?.['x-keywarden-signature'];
    if (typeof sent === 'string' && sent.length > 7) {
      assert.ok(!response.body.includes(sent.slice(7)), 'the signature is never echoed');
    }
    await assertNothingStarted(employeeId);
  }

  test('missing signature: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const { 'x-keywarden-signature': _s, ...headers } = signedHeaders(secret, payload);
    await refused({ payload, headers }, id, 401, 'missing X-Keywarden-Signature header');
  });

  test('bad signature (signed with another secret): 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    await refused(
      { payload, headers: signedHeaders(newWebhookSecret(), payload) },
      id,
      401,
      'signature does not match',
    );
  });

  test('signature over a different body (tampered in transit): 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const headers = signedHeaders(secret, JSON.stringify(webhookBody('someone-else')));
    await refused({ payload, headers }, id, 401, 'signature does not match');
  });

  test('malformed signature header: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const headers = { ...signedHeaders(secret, payload), 'x-keywarden-signature': 'md5=abc' };
    await refused(
      { payload, headers },
      id,
      401,
      'malformed X-Keywarden-Signature header: expected sha256=<64 hex digits>',
    );
  });

  test('missing timestamp: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const { 'x-keywarden-timestamp': _t, ...headers } = signedHeaders(secret, payload);
    await refused({ payload, headers }, id, 401, 'missing X-Keywarden-Timestamp header');
  });

  test('stale timestamp (correctly signed 6 minutes ago: a replay): 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const headers = signedHeaders(secret, payload, Date.now() - 6 * 60_000);
    await refused({ payload, headers }, id, 401, 'timestamp outside the allowed clock skew (replay?)');
  });

  test('timestamp from the future beyond the skew: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const headers = signedHeaders(secret, payload, Date.now() + 6 * 60_000);
    await refused({ payload, headers }, id, 401, 'timestamp outside the allowed clock skew (replay?)');
  });

  test('malformed JSON (correctly signed): 400', async () => {
    const id = newEmployee();
    const payload = `{"employeeId": "${id}", "match": `;
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      400,
      'malformed JSON: the body is not a valid JSON document',
    );
  });

  test('schema failure (correctly signed): 400 naming the field', async () => {
    const id = newEmployee();
    const payload = JSON.stringify({ ...webhookBody(id), match: { tagValues: [] } });
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      400,
      /^invalid offboarding request: .*match/s,
    );
  });

  test('schema failure: a misspelt field is named', async () => {
    const id = newEmployee();
    const payload = JSON.stringify({ ...webhookBody(id), purgeMod: 'delete-user' });
    await refused({ payload, headers: signedHeaders(secret, payload) }, id, 400, /purgeMod/);
  });

  test('approvers chosen by the request (the policy of the server chooses them): 403', async () => {
    const id = newEmployee();
    const payload = JSON.stringify({ ...webhookBody(id), approval: { approvers: ['mallory@example.com'] } });
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      403,
      `"approval" is set by this server's offboarding policy, not by the request: remove it ` +
        '(a request may set employeeId, match, purgeMode, reason)',
    );
  });

  test('initiator, scope, access or containment policy name in the request: 403 naming them', async () => {
    const id = newEmployee();
    const payload = JSON.stringify({
      ...webhookBody(id),
      initiator: 'someone@example.com',
      scope: { includeAccounts: ['123456789012'] },
      access: { roleName: 'OtherRole' },
      containmentPolicyName: 'other',
    });
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      403,
      `"initiator", "scope", "access", "containmentPolicyName" are set by this server's offboarding policy, ` +
        'not by the request: remove them (a request may set employeeId, match, purgeMode, reason)',
    );
  });

  test('matching by userName when the policy allows only tag:email: 403 saying what is allowed', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id, { match: { userNames: ['admin'] } }));
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      403,
      "matching by userName is not allowed by this server's policy (allowed match fields: tag:email)",
    );
  });

  test('a tag key the policy does not allow: 403', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id, { match: { tagKey: 'team', tagValues: ['platform'] } }));
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      403,
      "matching by this tag key is not allowed by this server's policy (allowed match fields: tag:email)",
    );
  });

  test('more match values than the policy allows: 403', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(
      webhookBody(id, { match: { tagValues: ['a@example.com', 'b@example.com', 'c@example.com'] } }),
    );
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      403,
      "match lists 3 values; this server's policy allows at most 2",
    );
  });

  test('a purge mode the policy does not allow: 403', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id, { purgeMode: 'delete-user' }));
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      403,
      `purgeMode "delete-user" is not allowed by this server's policy (allowed purge modes: strip-credentials)`,
    );
  });

  test('missing request ID: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const { 'x-keywarden-request-id': _r, ...headers } = signedHeaders(secret, payload);
    await refused(
      { payload, headers },
      id,
      401,
      'missing X-Keywarden-Request-Id header: send a new unique ID (e.g. a UUID) with every request',
    );
  });

  test('malformed request ID: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    await refused(
      { payload, headers: signedHeaders(secret, payload, Date.now(), 'short.id') },
      id,
      401,
      'malformed X-Keywarden-Request-Id header: expected 16-128 letters, digits, "-" or "_" (e.g. a UUID)',
    );
  });

  test('a request ID other than the signed one: 401', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const headers = { ...signedHeaders(secret, payload), 'x-keywarden-request-id': randomUUID() };
    await refused({ payload, headers }, id, 401, 'signature does not match');
  });

  test('the same signed request twice: the repeat gets 409', async () => {
    const id = newEmployee();
    // Refused by the policy the first time: the request ID is used up all the same.
    const payload = JSON.stringify(webhookBody(id, { purgeMode: 'delete-user' }));
    const headers = signedHeaders(secret, payload);
    await refused({ payload, headers }, id, 403, /purgeMode "delete-user" is not allowed/);
    await refused(
      { payload, headers },
      id,
      409,
      'this X-Keywarden-Request-Id was already used: every request needs a new one (nothing was started)',
    );
  });

  test(`body over ${MAX_BODY_BYTES} bytes: 413`, async () => {
    const id = newEmployee();
    const payload = JSON.stringify({ ...webhookBody(id), reason: 'x'.repeat(MAX_BODY_BYTES) });
    await refused(
      { payload, headers: signedHeaders(secret, payload) },
      id,
      413,
      `request body too large: the limit is ${MAX_BODY_BYTES} bytes`,
    );
  });

  test('wrong content type: 415', async () => {
    const id = newEmployee();
    const payload = JSON.stringify(webhookBody(id));
    const headers = { ...signedHeaders(secret, payload), 'content-type': 'text/plain' };
    await refused(
      { payload, headers },
      id,
      415,
      'unsupported content type: send the request as application/json',
    );
  });

  test('form-encoded body: 415', async () => {
    const id = newEmployee();
    const payload = `employeeId=${id}`;
    const headers = {
      ...signedHeaders(secret, payload),
      'content-type': 'application/x-www-form-urlencoded',
    };
    await refused(
      { payload, headers },
      id,
      415,
      'unsupported content type: send the request as application/json',
    );
  });

  test('unknown route: 404 JSON; health check open', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/offboard' });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: 'not found' });
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { ok: true });
  });

  test('a signed GET for another path does not authorise this one', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const requestId = randomUUID();
    const response = await app.inject({
      method: 'GET',
      url: '/v1/offboarding/alice',
      headers: {
        'x-keywarden-timestamp': timestamp,
        'x-keywarden-request-id': requestId,
        'x-keywarden-signature': signWebhookPayload(secret, timestamp, requestId, '/v1/offboarding/bob'),
      },
    });
    assert.equal(response.statusCode, 401);
    assert.deepEqual(response.json(), { error: 'signature does not match' });
  });

  test('a signed GET is answered once: the repeat gets 409', async () => {
    const url = `/v1/offboarding/${newEmployee()}`;
    const { 'content-type': _json, ...headers } = signedHeaders(secret, url);
    const first = await app.inject({ method: 'GET', url, headers });
    assert.equal(first.statusCode, 404, first.body);
    const repeat = await app.inject({ method: 'GET', url, headers });
    assert.equal(repeat.statusCode, 409);
    assert.match(repeat.json<{ error: string }>().error, /already used/);
  });

  test('the webhook logs never hold the secret or a signature', () => {
    const logs = logLines.join('\n');
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(secret));
    assert.doesNotMatch(logs, /sha256=/);
  });
});
