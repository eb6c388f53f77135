import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildWebhookServer } from '../../../client/webhook/server';
import { testStack } from '../../support/test-stack';
import type { OffboardEmployeeInput } from '../../../workflows/offboard-employee';
import {
  APPROVER,
  INITIATOR,
  newWebhookSecret,
  signedHeaders,
  testPolicy,
  webhookBody,
} from './offboarding-fixtures';

/**
 * Accepted requests, on a task queue no worker polls (so nothing is ever processed): the workflow
 * input comes from the policy, the previous secret is accepted during a rotation, a replay of an
 * accepted request is refused after its run has closed, and a status query nobody answers gets 504.
 */
describe('the HR webhook: input from the policy, secret rotation, replays, Temporal deadlines', () => {
  const stack = testStack();
  const secret = newWebhookSecret();
  const previousSecret = newWebhookSecret();
  const taskQueue = `accepted-${randomUUID()}`;
  const started: string[] = [];
  let connection: Connection;
  let client: Client;
  let app: FastifyInstance;

  before(async () => {
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.namespace });
    app = buildWebhookServer({
      client,
      taskQueue,
      policy: testPolicy({ scope: { accounts: ['123456789012'], excludeAccounts: [] } }),
      secret,
      previousSecret,
      temporalTimeoutMs: 1_000,
    });
  });
  after(async () => {
    for (const workflowId of started) {
      await client.workflow
        .getHandle(workflowId)
        .terminate('test cleanup')
        .catch(() => undefined);
    }
    await app?.close();
    await connection?.close();
  });

  const newEmployee = () => `emp-accepted-${randomUUID().slice(0, 8)}`;

  async function post(signingSecret: string, body: unknown) {
    const payload = JSON.stringify(body);
    const headers = signedHeaders(signingSecret, payload);
    const response = await app.inject({ method: 'POST', url: '/v1/offboarding', payload, headers });
    return { response, headers, payload };
  }

  test('the workflow input is built from the policy, not from the request', async () => {
    const id = newEmployee();
    const { response } = await post(secret, webhookBody(id, { reason: 'left the company' }));
    assert.equal(response.statusCode, 202, response.body);
    const { workflowId } = response.json<{ workflowId: string }>();
    started.push(workflowId);

    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.ok(payload?.data, 'the start event carries the input');
    const input = JSON.parse(Buffer.from(payload.data).toString('utf8')) as OffboardEmployeeInput;
    assert.deepEqual(input.request, {
      employeeId: id,
      match: { userNames: [], tagKey: 'email', tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: ['123456789012'], excludeAccounts: [] },
      initiator: INITIATOR,
      reason: 'left the company',
      purgeMode: 'delete-user',
      access: { roleName: 'OrganizationAccountAccessRole', region: 'us-east-1' },
      approval: {
        approvers: [APPROVER, INITIATOR],
        requiredApprovals: 1,
        timeout: '10m',
        onTimeout: 'escalate',
        signatures: 'off',
        publicKeys: {},
      },
      containmentPolicyName: 'keywarden-offboarding-deny-all',
    });
  });

  test('during a rotation a request signed with the previous secret is accepted', async () => {
    const { response } = await post(previousSecret, webhookBody(newEmployee()));
    assert.equal(response.statusCode, 202, response.body);
    started.push(response.json<{ workflowId: string }>().workflowId);
  });

  test('a replay of an accepted request after its run closed gets 409 and starts no new run', async () => {
    const first = await post(secret, webhookBody(newEmployee()));
    assert.equal(first.response.statusCode, 202, first.response.body);
    const { workflowId, runId } = first.response.json<{ workflowId: string; runId: string }>();
    started.push(workflowId);
    const handle = client.workflow.getHandle(workflowId);
    await handle.terminate('closed, as if restored');

    // Without replay protection this would start a second offboarding of the same person.
    const again = await app.inject({
      method: 'POST',
      url: '/v1/offboarding',
      payload: first.payload,
      headers: first.headers,
    });
    assert.equal(again.statusCode, 409, again.body);
    assert.deepEqual(again.json(), {
      error:
        'this X-Keywarden-Request-Id was already used: every request needs a new one (nothing was started)',
    });
    const description = await handle.describe();
    assert.equal(description.runId, runId, 'still the first run');
    assert.equal(description.status.name, 'TERMINATED');
  });

  test('a status query no worker answers gets 504 with a clear message; the same request may be resent', async () => {
    const first = await post(secret, webhookBody(newEmployee()));
    assert.equal(first.response.statusCode, 202, first.response.body);
    const { workflowId, statusUrl } = first.response.json<{ workflowId: string; statusUrl: string }>();
    started.push(workflowId);

    const { 'content-type': _json, ...headers } = signedHeaders(secret, statusUrl);
    const t0 = Date.now();
    const response = await app.inject({ method: 'GET', url: statusUrl, headers });
    assert.equal(response.statusCode, 504, response.body);
    assert.ok(Date.now() - t0 < 5_000, 'answered at the deadline');
    assert.deepEqual(response.json(), {
      error:
        'reading the offboarding status: Temporal did not answer within 1s: is a keywarden worker running? Ask again later',
    });
    // A failure on our side does not use up the request ID.
    const resent = await app.inject({ method: 'GET', url: statusUrl, headers });
    assert.equal(resent.statusCode, 504, resent.body);
  });
});
