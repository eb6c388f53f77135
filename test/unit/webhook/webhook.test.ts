import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { webhookSecretFromEnv } from '../../../client/commands/webhook';
import { CliError } from '../../../client/cli-error';
import { buildWebhookServer } from '../../../client/webhook/server';
import {
  MAX_CLOCK_SKEW_SECONDS,
  signWebhookPayload,
  verifyWebhookSignature,
  webhookSecretProblem,
} from '../../../client/webhook/signature';

const secret = randomBytes(32).toString('hex');
const NOW = 1_800_000_000_000;
const ts = String(NOW / 1000);

describe('webhook signatures', () => {
  test('sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>', () => {
    const body = '{"a":1}';
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    assert.equal(signWebhookPayload(secret, ts, body), `sha256=${expected}`);
    assert.equal(signWebhookPayload(secret, ts, Buffer.from(body)), `sha256=${expected}`);
  });

  const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
    verifyWebhookSignature({
      secret,
      body: '{}',
      timestamp: ts,
      signature: signWebhookPayload(secret, ts, '{}'),
      nowMs: NOW,
      ...over,
    });

  test('accepts a good signature within the skew, either way', () => {
    assert.deepEqual(check({}), { ok: true });
    assert.deepEqual(check({ nowMs: NOW + MAX_CLOCK_SKEW_SECONDS * 1000 }), { ok: true });
    assert.deepEqual(check({ nowMs: NOW - MAX_CLOCK_SKEW_SECONDS * 1000 }), { ok: true });
    assert.deepEqual(
      check({ signature: signWebhookPayload(secret, ts, '{}').toUpperCase().replace('SHA256', 'sha256') }),
      {
        ok: true,
      },
    );
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
      [{ body: '{ }' }, 'signature does not match'],
      [
        { signature: signWebhookPayload('another-secret-of-sufficient-length!!', ts, '{}') },
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

describe('the webhook secret', () => {
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

  test('buildWebhookServer refuses a weak secret', () => {
    assert.throws(
      () => buildWebhookServer({ client: {} as Client, taskQueue: 'q', secret: 'weak' }),
      /too short/,
    );
  });
});

describe('the webhook server with a stand-in Temporal client', () => {
  const request = {
    employeeId: 'e-42',
    match: { tagValues: ['mallory@example.com'] },
    initiator: 'hr@example.com',
    approval: { approvers: ['bob@example.com'] },
  };

  function fakeClient(running: boolean) {
    const starts: Array<{ workflowType: string; options: Record<string, unknown> }> = [];
    const client = {
      workflow: {
        start: (workflowType: string, options: Record<string, unknown>) => {
          starts.push({ workflowType, options });
          if (running) {
            return Promise.reject(
              new WorkflowExecutionAlreadyStartedError(
                'already started',
                'offboard-e-42',
                'offboardEmployee',
              ),
            );
          }
          return Promise.resolve({ firstExecutionRunId: 'run-1' });
        },
        getHandle: () => ({ describe: () => Promise.resolve({ runId: 'run-0' }) }),
      },
    } as unknown as Client;
    return { client, starts };
  }

  const post = async (client: Client, nowMs: number) => {
    const app = buildWebhookServer({ client, taskQueue: 'q', secret, now: () => nowMs });
    const payload = JSON.stringify(request);
    const timestamp = String(Math.floor(nowMs / 1000));
    return app.inject({
      method: 'POST',
      url: '/v1/offboarding',
      payload,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-keywarden-timestamp': timestamp,
        'x-keywarden-signature': signWebhookPayload(secret, timestamp, payload),
      },
    });
  };

  test('starts offboard-<employeeId> with the search attributes and the receipt time', async () => {
    const { client, starts } = fakeClient(false);
    const response = await post(client, NOW);
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
    const [input] = options.args as [{ requestedAt: string; request: { purgeMode: string } }];
    assert.equal(input.requestedAt, new Date(NOW).toISOString());
    assert.equal(input.request.purgeMode, 'delete-user', 'the request is parsed, with its defaults');
    const attributes = (
      options.typedSearchAttributes as Array<{ key: { name: string }; value: unknown }>
    ).map((p) => [p.key.name, p.value]);
    assert.deepEqual(attributes, [
      ['KeywardenKind', 'offboarding'],
      ['KeywardenInitiator', 'hr@example.com'],
      ['KeywardenPhase', 'discovering'],
    ]);
  });

  test('while a run is open, a repeat call returns it as a duplicate', async () => {
    const { client } = fakeClient(true);
    const response = await post(client, NOW);
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), {
      workflowId: 'offboard-e-42',
      runId: 'run-0',
      statusUrl: '/v1/offboarding/e-42',
      duplicate: true,
    });
  });
});
