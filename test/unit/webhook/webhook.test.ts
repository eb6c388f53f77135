import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { webhookSecretFromEnv } from '../../../client/commands/webhook';
import { CliError, UsageError } from '../../../client/cli-error';
import { buildWebhookServer, type WebhookServerOptions } from '../../../client/webhook/server';
import {
  MAX_CLOCK_SKEW_SECONDS,
  signWebhookPayload,
  verifyWebhookSignature,
  webhookSecretProblem,
} from '../../../client/webhook/signature';
import {
  plainHttpWarning,
  previousWebhookSecretFromEnv,
  readTlsFiles,
} from '../../../client/webhook/startup-options';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import type { OffboardingRequest } from '../../../domain/offboarding-request';
import { WebhookPolicySchema } from '../../../domain/webhook-policy';
import { offboardingStatus, priorState } from '../client/fixtures';

const secret = randomBytes(32).toString('hex');
const previous = randomBytes(32).toString('hex');
const NOW = 1_800_000_000_000;
const ts = String(NOW / 1000);
const rid = 'req-0123456789abcdef';

describe('webhook signatures', () => {
  test('sha256=<hex HMAC-SHA256(secret, timestamp + "." + requestId + "." + body)>', () => {
    const body = '{"a":1}';
    const expected = createHmac('sha256', secret).update(`${ts}.${rid}.${body}`).digest('hex');
    assert.equal(signWebhookPayload(secret, ts, rid, body), `sha256=${expected}`);
    assert.equal(signWebhookPayload(secret, ts, rid, Buffer.from(body)), `sha256=${expected}`);
  });

  const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
    verifyWebhookSignature({
      secrets: [secret],
      body: '{}',
      timestamp: ts,
      requestId: rid,
      signature: signWebhookPayload(secret, ts, rid, '{}'),
      nowMs: NOW,
      ...over,
    });

  test('accepts a good signature within the skew, either way', () => {
    assert.deepEqual(check({}), { ok: true });
    assert.deepEqual(check({ nowMs: NOW + MAX_CLOCK_SKEW_SECONDS * 1000 }), { ok: true });
    assert.deepEqual(check({ nowMs: NOW - MAX_CLOCK_SKEW_SECONDS * 1000 }), { ok: true });
    const upper = signWebhookPayload(secret, ts, rid, '{}').toUpperCase().replace('SHA256', 'sha256');
    assert.deepEqual(check({ signature: upper }), { ok: true });
  });

  test('accepts either of two secrets (rotation), and no third', () => {
    const secrets = [secret, previous];
    assert.deepEqual(check({ secrets }), { ok: true });
    assert.deepEqual(check({ secrets, signature: signWebhookPayload(previous, ts, rid, '{}') }), {
      ok: true,
    });
    const third = randomBytes(32).toString('hex');
    assert.deepEqual(check({ secrets, signature: signWebhookPayload(third, ts, rid, '{}') }), {
      ok: false,
      error: 'signature does not match',
    });
    assert.deepEqual(check({ signature: signWebhookPayload(previous, ts, rid, '{}') }), {
      ok: false,
      error: 'signature does not match',
    });
  });

  test('refuses, with a message that echoes nothing it was sent', () => {
    const cases: Array<[Partial<Parameters<typeof verifyWebhookSignature>[0]>, string]> = [
      [{ signature: undefined }, 'missing X-Keywarden-Signature header'],
      [
        { signature: 'sha256=xyz' },
        'malformed X-Keywarden-Signature header: expected sha256=<64 hex digits>',
      ],
      [{ timestamp: undefined }, 'missing X-Keywarden-Timestamp header'],
      [{ timestamp: '12.5' }, 'malformed X-Keywarden-Timestamp header: expected unix time in seconds'],
      [
        { requestId: undefined },
        'missing X-Keywarden-Request-Id header: send a new unique ID (e.g. a UUID) with every request',
      ],
      [
        { requestId: 'a.b.c.d.e.f.g.h.i.j' },
        'malformed X-Keywarden-Request-Id header: expected 16-128 letters, digits, "-" or "_" (e.g. a UUID)',
      ],
      [
        { requestId: 'too-short' },
        'malformed X-Keywarden-Request-Id header: expected 16-128 letters, digits, "-" or "_" (e.g. a UUID)',
      ],
      [{ requestId: 'req-fedcba9876543210' }, 'signature does not match'],
      [{ body: '{ }' }, 'signature does not match'],
      [
        { signature: signWebhookPayload('another-secret-of-sufficient-length!!', ts, rid, '{}') },
        'signature does not match',
      ],
      [
        { nowMs: NOW + (MAX_CLOCK_SKEW_SECONDS + 1) * 1000 },
        'timestamp outside the allowed clock skew (replay?)',
      ],
    ];
    for (const [over, error] of cases) assert.deepEqual(check(over), { ok: false, error });
  });

  test('a bad signature and a stale timestamp: the signature is judged first', () => {
    assert.deepEqual(check({ body: 'tampered', nowMs: NOW + 3_600_000 }), {
      ok: false,
      error: 'signature does not match',
    });
  });
});

describe('the webhook secrets', () => {
  test('must be set and at least 32 characters; the error never shows it', () => {
    assert.match(webhookSecretProblem(undefined) ?? '', /KEYWARDEN_WEBHOOK_SECRET is not set/);
    assert.match(webhookSecretProblem('short-secret') ?? '', /too short: it needs at least 32 characters/);
    assert.doesNotMatch(webhookSecretProblem('short-secret') ?? '', /short-secret/);
    assert.match(webhookSecretProblem(` ${secret}`) ?? '', /whitespace/);
    assert.equal(webhookSecretProblem(secret), undefined);
  });

  test('the webhook command refuses to start without a usable secret', () => {
    assert.throws(
      () => webhookSecretFromEnv({}),
      (e: unknown) => e instanceof CliError && /not set/.test(e.message),
    );
    assert.throws(() => webhookSecretFromEnv({ KEYWARDEN_WEBHOOK_SECRET: 'x'.repeat(31) }), /too short/);
    assert.equal(webhookSecretFromEnv({ KEYWARDEN_WEBHOOK_SECRET: secret }), secret);
  });

  test('the previous secret is optional, held to the same rules, and must differ', () => {
    assert.equal(previousWebhookSecretFromEnv({ KEYWARDEN_WEBHOOK_SECRET: secret }), undefined);
    assert.equal(
      previousWebhookSecretFromEnv({
        KEYWARDEN_WEBHOOK_SECRET: secret,
        KEYWARDEN_WEBHOOK_SECRET_PREVIOUS: previous,
      }),
      previous,
    );
    assert.throws(
      () => previousWebhookSecretFromEnv({ KEYWARDEN_WEBHOOK_SECRET_PREVIOUS: 'short' }),
      (e: unknown) =>
        e instanceof CliError && e.message.startsWith('KEYWARDEN_WEBHOOK_SECRET_PREVIOUS is too short'),
    );
    assert.throws(
      () =>
        previousWebhookSecretFromEnv({
          KEYWARDEN_WEBHOOK_SECRET: secret,
          KEYWARDEN_WEBHOOK_SECRET_PREVIOUS: secret,
        }),
      /is the same as KEYWARDEN_WEBHOOK_SECRET: unset it once the rotation is done/,
    );
  });

  test('buildWebhookServer refuses a weak secret or a weak previous secret', () => {
    const base = { client: {} as Client, taskQueue: 'q', policy: policy() };
    assert.throws(() => buildWebhookServer({ ...base, secret: 'weak' }), /too short/);
    assert.throws(
      () => buildWebhookServer({ ...base, secret, previousSecret: 'weak' }),
      /KEYWARDEN_WEBHOOK_SECRET_PREVIOUS is too short/,
    );
  });
});

describe('webhook start-up options', () => {
  test('TLS needs both files, or neither', () => {
    assert.equal(readTlsFiles({}), undefined);
    assert.throws(
      () => readTlsFiles({ tlsCert: 'cert.pem' }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === 'give both --tls-cert <file> and --tls-key <file> to serve HTTPS, or neither',
    );
    assert.throws(
      () => readTlsFiles({ tlsCert: 'no-such-cert.pem', tlsKey: 'no-such-key.pem' }),
      /cannot read --tls-cert no-such-cert\.pem \(ENOENT\)/,
    );
  });

  test('plain HTTP beyond loopback is warned about', () => {
    assert.equal(plainHttpWarning('127.0.0.1', undefined), undefined);
    assert.equal(plainHttpWarning('0.0.0.0', { cert: 'c', key: 'k' }), undefined);
    assert.match(plainHttpWarning('0.0.0.0', undefined) ?? '', /plain HTTP on a non-loopback address/);
  });
});

function policy() {
  return WebhookPolicySchema.parse({
    initiator: 'hr@example.com',
    approval: { approvers: ['bob@example.com', 'carol@example.com'], requiredApprovals: 2, timeout: '48h' },
    match: { fields: ['tag:email'] },
    purgeModes: ['strip-credentials'],
    scope: { accounts: ['111111111111', '222222222222'], excludeAccounts: ['222222222222'] },
    access: { roleName: 'KeywardenOffboarding', externalId: 'ext-id-1' },
  });
}

type Starts = Array<{ workflowType: string; options: Record<string, unknown> }>;

/** A stand-in Temporal client; `behaviour` decides what start and query do. */
function fakeClient(
  behaviour: {
    start?: 'ok' | 'running' | 'unavailable' | 'hang';
    query?: () => Promise<unknown>;
  } = {},
) {
  const starts: Starts = [];
  const client = {
    options: { namespace: 'default' },
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>) => fn(),
    workflow: {
      start: (workflowType: string, options: Record<string, unknown>) => {
        starts.push({ workflowType, options });
        switch (behaviour.start ?? 'ok') {
          case 'running':
            return Promise.reject(
              new WorkflowExecutionAlreadyStartedError(
                'already started',
                'offboard-e-42',
                'offboardEmployee',
              ),
            );
          case 'unavailable':
            return Promise.reject(
              Object.assign(new Error('Failed to connect'), {
                cause: { code: 14, details: 'connect ECONNREFUSED' },
              }),
            );
          case 'hang':
            return new Promise(() => undefined);
          default:
            return Promise.resolve({ firstExecutionRunId: 'run-1' });
        }
      },
      getHandle: () => ({
        describe: () => Promise.resolve({ runId: 'run-0' }),
        query: behaviour.query ?? (() => Promise.resolve(offboardingStatus())),
      }),
    },
  } as unknown as Client;
  return { client, starts };
}

function server(client: Client, over: Partial<WebhookServerOptions> = {}) {
  return buildWebhookServer({ client, taskQueue: 'q', policy: policy(), secret, now: () => NOW, ...over });
}

function signed(secretUsed: string, body: string, requestId = randomUUID()) {
  return {
    'content-type': 'application/json; charset=utf-8',
    'x-keywarden-timestamp': ts,
    'x-keywarden-request-id': requestId,
    'x-keywarden-signature': signWebhookPayload(secretUsed, ts, requestId, body),
  };
}

const request = { employeeId: 'e-42', match: { tagValues: ['mallory@example.com'] }, reason: 'left' };

describe('the webhook server with a stand-in Temporal client', () => {
  const post = (app: ReturnType<typeof server>, body: unknown = request, signingSecret = secret) => {
    const payload = JSON.stringify(body);
    return app.inject({
      method: 'POST',
      url: '/v1/offboarding',
      payload,
      headers: signed(signingSecret, payload),
    });
  };

  test('starts offboard-<employeeId> with an input built from the policy', async () => {
    const { client, starts } = fakeClient();
    const response = await post(server(client));
    assert.equal(response.statusCode, 202, response.body);
    assert.deepEqual(response.json(), {
      workflowId: 'offboard-e-42',
      runId: 'run-1',
      statusUrl: '/v1/offboarding/e-42',
      duplicate: false,
    });
    assert.equal(starts.length, 1);
    const { workflowType, options } = starts[0]!;
    assert.equal(workflowType, 'offboardEmployee');
    assert.equal(options.workflowId, 'offboard-e-42');
    assert.equal(options.taskQueue, 'q');
    const [input] = options.args as [{ requestedAt: string; request: OffboardingRequest }];
    assert.equal(input.requestedAt, new Date(NOW).toISOString());
    assert.deepEqual(input.request, {
      employeeId: 'e-42',
      match: { userNames: [], tagKey: 'email', tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: ['111111111111', '222222222222'], excludeAccounts: ['222222222222'] },
      initiator: 'hr@example.com',
      reason: 'left',
      purgeMode: 'strip-credentials',
      access: { roleName: 'KeywardenOffboarding', externalId: 'ext-id-1', region: 'us-east-1' },
      approval: {
        approvers: ['bob@example.com', 'carol@example.com'],
        requiredApprovals: 2,
        timeout: '48h',
        onTimeout: 'escalate',
        signatures: 'off',
        publicKeys: {},
      },
      containmentPolicyName: 'keywarden-offboarding-deny-all',
    });
    const attributes = (
      options.typedSearchAttributes as Array<{ key: { name: string }; value: unknown }>
    ).map((p) => [p.key.name, p.value]);
    assert.deepEqual(attributes, [
      ['KeywardenKind', 'offboarding'],
      ['KeywardenInitiator', 'hr@example.com'],
      ['KeywardenPhase', 'discovering'],
    ]);
  });

  test('a request signed with the previous secret is accepted during a rotation', async () => {
    const { client, starts } = fakeClient();
    const rotating = server(client, { previousSecret: previous });
    assert.equal((await post(rotating, request, previous)).statusCode, 202);
    assert.equal((await post(rotating, request, secret)).statusCode, 202);
    const after = server(client);
    const refused = await post(after, request, previous);
    assert.equal(refused.statusCode, 401);
    assert.deepEqual(refused.json(), { error: 'signature does not match' });
    assert.equal(starts.length, 2, 'the refused request started nothing');
  });

  test('while a run is open, a repeat call (new request ID) returns it as a duplicate', async () => {
    const { client } = fakeClient({ start: 'running' });
    const response = await post(server(client));
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), {
      workflowId: 'offboard-e-42',
      runId: 'run-0',
      statusUrl: '/v1/offboarding/e-42',
      duplicate: true,
    });
  });

  test('a replayed request gets 409 and starts nothing', async () => {
    const { client, starts } = fakeClient();
    const app = server(client);
    const payload = JSON.stringify(request);
    const headers = signed(secret, payload);
    const first = await app.inject({ method: 'POST', url: '/v1/offboarding', payload, headers });
    assert.equal(first.statusCode, 202);
    const replay = await app.inject({ method: 'POST', url: '/v1/offboarding', payload, headers });
    assert.equal(replay.statusCode, 409);
    assert.deepEqual(replay.json(), {
      error:
        'this X-Keywarden-Request-Id was already used: every request needs a new one (nothing was started)',
    });
    assert.equal(starts.length, 1);
  });

  test('when the replay store is full, new requests get 429 with Retry-After and start nothing', async () => {
    const { client, starts } = fakeClient();
    const app = server(client, { replayCapacity: 1 });
    assert.equal((await post(app)).statusCode, 202);
    const full = await post(app);
    assert.equal(full.statusCode, 429);
    assert.deepEqual(full.json(), { error: 'too many requests within the replay window: retry later' });
    assert.equal(full.headers['retry-after'], String(MAX_CLOCK_SKEW_SECONDS));
    assert.equal(starts.length, 1);
  });

  test('Temporal unreachable: 503, with a message and nothing echoed; the same request may be resent', async () => {
    const { client } = fakeClient({ start: 'unavailable' });
    const app = server(client);
    const payload = JSON.stringify(request);
    const headers = signed(secret, payload);
    const response = await app.inject({ method: 'POST', url: '/v1/offboarding', payload, headers });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), {
      error:
        'starting the offboarding: Temporal is unavailable right now: it may or may not have started; ' +
        'send the request again (a running offboarding is found, not started twice)',
    });
    const again = await app.inject({ method: 'POST', url: '/v1/offboarding', payload, headers });
    assert.equal(again.statusCode, 503, 'not 409: a failure on our side does not use up the request ID');
  });

  test('Temporal too slow to start: 504 at the deadline', async () => {
    const { client } = fakeClient({ start: 'hang' });
    const t0 = Date.now();
    const response = await post(server(client, { temporalTimeoutMs: 50 }));
    assert.equal(response.statusCode, 504);
    assert.match(
      response.json<{ error: string }>().error,
      /^starting the offboarding: Temporal did not answer within 0.05s: it may or may not have started/,
    );
    assert.ok(Date.now() - t0 < 2_000);
  });

  test('the policy is enforced before anything starts: 403 and 400 with what is allowed', async () => {
    const { client, starts } = fakeClient();
    const app = server(client);
    const cases: Array<[unknown, number, string]> = [
      [
        { ...request, approval: { approvers: ['mallory@example.com'] } },
        403,
        `"approval" is set by this server's offboarding policy, not by the request: remove it (a request may set employeeId, match, purgeMode, reason)`,
      ],
      [
        { ...request, match: { userNames: ['root-admin'] } },
        403,
        "matching by userName is not allowed by this server's policy (allowed match fields: tag:email)",
      ],
      [
        { ...request, purgeMode: 'delete-user' },
        403,
        `purgeMode "delete-user" is not allowed by this server's policy (allowed purge modes: strip-credentials)`,
      ],
    ];
    for (const [body, status, error] of cases) {
      const response = await post(app, body);
      assert.equal(response.statusCode, status, response.body);
      assert.deepEqual(response.json(), { error });
    }
    assert.equal(starts.length, 0);
  });
});

describe('the signed status GET', () => {
  const get = (app: ReturnType<typeof server>, employeeId = 'e-42') => {
    const url = `/v1/offboarding/${employeeId}`;
    const { 'content-type': _json, ...headers } = signed(secret, url);
    return app.inject({ method: 'GET', url, headers });
  };

  test('answers phase, counts and timings only: no key IDs, MFA serials, users, policies or errors', async () => {
    const status: OffboardingStatus = offboardingStatus();
    status.users[0]!.prior = priorState({
      replacedPolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      sshPublicKeys: [{ id: 'APKASSHKEY0000000001', status: 'Active' }],
    });
    const { client } = fakeClient({ query: () => Promise.resolve(status) });
    const response = await get(server(client));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      employeeId: 'e-42',
      workflowId: 'offboard-e-42',
      phase: 'completed',
      purgeMode: 'delete-user',
      requestedAt: status.requestedAt,
      containedAt: status.containedAt,
      timeToContainmentMs: 4321,
      containmentComplete: false,
      finishedAt: status.finishedAt,
      users: { matched: 2, contained: 1, purged: 1, restored: 0, failed: 1 },
      accounts: { searched: 3, failed: 1 },
      approval: {
        requiredApprovals: 1,
        approvals: 1,
        decision: 'approved',
        decidedAt: '2025-06-01T09:30:00.000Z',
      },
    });
    const secrets = [
      'AKIALEAVER0000000001',
      'AKIALEAVER0000000002',
      'APKASSHKEY0000000001',
      'arn:aws:iam::111111111111:mfa/jdoe',
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      '2012-10-17',
      'jdoe',
      'security-lead@example.com',
      'AccessDenied',
      '111111111111',
    ];
    for (const value of secrets) assert.ok(!response.body.includes(value), `${value} is not in the answer`);
  });

  test('404 for an unknown employee, 400 for a malformed employeeId', async () => {
    const { client } = fakeClient({
      query: () => Promise.reject(new WorkflowNotFoundError('not found', 'offboard-nobody', undefined)),
    });
    const unknown = await get(server(client), 'nobody');
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), { error: 'no offboarding for this employeeId' });
    const malformed = await get(server(client), '-bad');
    assert.equal(malformed.statusCode, 400);
    assert.deepEqual(malformed.json(), { error: 'invalid employeeId' });
  });

  test('a query nobody answers: 504 at the deadline', async () => {
    const { client } = fakeClient({ query: () => new Promise(() => undefined) });
    const response = await get(server(client, { temporalTimeoutMs: 50 }));
    assert.equal(response.statusCode, 504);
    assert.deepEqual(response.json(), {
      error:
        'reading the offboarding status: Temporal did not answer within 0.05s: is a keywarden worker running? Ask again later',
    });
  });
});
