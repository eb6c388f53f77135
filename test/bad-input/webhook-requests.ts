import { randomUUID } from 'node:crypto';
import { signWebhookPayload } from '../../client/webhook/signature';
import { MAX_BODY_BYTES } from '../../client/webhook/server';
import { signedHeaders, webhookBody } from '../integration/offboarding/offboarding-fixtures';

/** What a case may use to build its request. */
export interface WebhookContext {
  secret: string;
  /** A new employee ID for this case: the offboarding it would start is offboard-<employeeId>. */
  employeeId: string;
}

export interface WebhookRequest {
  method?: 'POST' | 'PUT' | 'GET';
  url?: string;
  payload?: string | Buffer;
  headers: Record<string, string>;
}

export interface WebhookCase {
  name: string;
  request: (ctx: WebhookContext) => WebhookRequest;
  /** Sent this many times as is; the last answer is judged (every one must be a refusal). */
  times?: number;
  status: number;
  refusal: string | RegExp;
}

const json = (ctx: WebhookContext, overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ ...webhookBody(ctx.employeeId), ...overrides });

/** A correctly signed request with this body (signed over its bytes exactly as sent). */
function signed(ctx: WebhookContext, payload: string | Buffer, nowMs = Date.now()) {
  const timestamp = String(Math.floor(nowMs / 1000));
  const requestId = randomUUID();
  return {
    payload,
    headers: {
      'content-type': 'application/json',
      'x-keywarden-timestamp': timestamp,
      'x-keywarden-request-id': requestId,
      'x-keywarden-signature': signWebhookPayload(ctx.secret, timestamp, requestId, payload),
    } as Record<string, string>,
  };
}

/** Signed, then one header replaced (or removed with undefined). */
function withHeader(ctx: WebhookContext, name: string, value: string | undefined): WebhookRequest {
  const request = signed(ctx, json(ctx));
  const headers: Record<string, string> = { ...request.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return { payload: request.payload, headers };
}

const ALREADY_USED =
  'this X-Keywarden-Request-Id was already used: every request needs a new one (nothing was started)';
const UNSUPPORTED = 'unsupported content type: send the request as application/json';
const POLICY_OWNS = (fields: string) =>
  `${fields} set by this server's offboarding policy, not by the request`;

/**
 * HR webhook requests: headers, signatures, timestamps, bodies, sizes, content types, encodings,
 * replays. The server's policy matches by tag:email only, allows strip-credentials only and at
 * most two values.
 */
export const WEBHOOK_CASES: WebhookCase[] = [
  {
    name: 'no signature',
    request: (ctx) => withHeader(ctx, 'x-keywarden-signature', undefined),
    status: 401,
    refusal: 'missing X-Keywarden-Signature header',
  },
  {
    name: 'a signature in another scheme',
    request: (ctx) => withHeader(ctx, 'x-keywarden-signature', 'md5=0123456789abcdef'),
    status: 401,
    refusal: 'malformed X-Keywarden-Signature header: expected sha256=<64 hex digits>',
  },
  {
    name: 'signed with another secret',
    request: (ctx) => {
      const payload = json(ctx);
      return { payload, headers: signedHeaders(`${ctx.secret}-not-it`, payload) };
    },
    status: 401,
    refusal: 'signature does not match',
  },
  {
    name: 'a body changed after signing',
    request: (ctx) => ({ ...signed(ctx, json(ctx)), payload: json(ctx, { reason: 'changed in transit' }) }),
    status: 401,
    refusal: 'signature does not match',
  },
  {
    name: 'a request ID other than the signed one',
    request: (ctx) => withHeader(ctx, 'x-keywarden-request-id', randomUUID()),
    status: 401,
    refusal: 'signature does not match',
  },
  {
    name: 'no timestamp',
    request: (ctx) => withHeader(ctx, 'x-keywarden-timestamp', undefined),
    status: 401,
    refusal: 'missing X-Keywarden-Timestamp header',
  },
  {
    name: 'a timestamp in milliseconds with a fraction',
    request: (ctx) => withHeader(ctx, 'x-keywarden-timestamp', `${Date.now()}.5`),
    status: 401,
    refusal: 'malformed X-Keywarden-Timestamp header: expected unix time in seconds',
  },
  {
    name: 'correctly signed ten minutes ago (a replay)',
    request: (ctx) => signed(ctx, json(ctx), Date.now() - 10 * 60_000),
    status: 401,
    refusal: 'timestamp outside the allowed clock skew (replay?)',
  },
  {
    name: 'correctly signed ten minutes ahead',
    request: (ctx) => signed(ctx, json(ctx), Date.now() + 10 * 60_000),
    status: 401,
    refusal: 'timestamp outside the allowed clock skew (replay?)',
  },
  {
    name: 'no request ID',
    request: (ctx) => withHeader(ctx, 'x-keywarden-request-id', undefined),
    status: 401,
    refusal: 'missing X-Keywarden-Request-Id header: send a new unique ID (e.g. a UUID) with every request',
  },
  {
    name: 'a request ID with dots (could re-split the signed string)',
    request: (ctx) => {
      const payload = json(ctx);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const requestId = 'a.b.c.d.e.f.g.h.i';
      return {
        payload,
        headers: {
          'content-type': 'application/json',
          'x-keywarden-timestamp': timestamp,
          'x-keywarden-request-id': requestId,
          'x-keywarden-signature': signWebhookPayload(ctx.secret, timestamp, requestId, payload),
        },
      };
    },
    status: 401,
    refusal:
      'malformed X-Keywarden-Request-Id header: expected 16-128 letters, digits, "-" or "_" (e.g. a UUID)',
  },
  {
    name: 'the same signed request sent twice (the first refused by the policy)',
    request: (ctx) => signed(ctx, json(ctx, { purgeMode: 'delete-user' })),
    times: 2,
    status: 409,
    refusal: ALREADY_USED,
  },
  {
    name: 'JSON cut short',
    request: (ctx) => signed(ctx, `{"employeeId": "${ctx.employeeId}", "match": `),
    status: 400,
    refusal: 'malformed JSON: the body is not a valid JSON document',
  },
  {
    name: 'a JSON list instead of an object',
    request: (ctx) => signed(ctx, JSON.stringify([webhookBody(ctx.employeeId)])),
    status: 400,
    refusal: /^invalid offboarding request: .*expected object, received array/s,
  },
  {
    name: 'a misspelt field',
    request: (ctx) => signed(ctx, json(ctx, { purgeMod: 'strip-credentials' })),
    status: 400,
    refusal: /^invalid offboarding request: .*Unrecognized key: "purgeMod"/s,
  },
  {
    name: 'an empty match',
    request: (ctx) => signed(ctx, json(ctx, { match: { tagValues: [] } })),
    status: 400,
    refusal: /match is empty: give match\.tagValues .*→ at match/s,
  },
  {
    name: 'an employee ID with a slash',
    request: (ctx) => signed(ctx, json(ctx, { employeeId: `${ctx.employeeId}/../admin` })),
    status: 400,
    refusal: /an employeeId is 1-128 letters, digits or \._@-.*→ at employeeId/s,
  },
  {
    name: 'a reason past 500 characters',
    request: (ctx) => signed(ctx, json(ctx, { reason: 'x'.repeat(501) })),
    status: 400,
    refusal: /→ at reason/,
  },
  {
    name: 'approvers chosen by the request',
    request: (ctx) => signed(ctx, json(ctx, { approval: { approvers: ['mallory@example.com'] } })),
    status: 403,
    refusal: POLICY_OWNS('"approval" is'),
  },
  {
    name: 'a scope chosen by the request',
    request: (ctx) => signed(ctx, json(ctx, { scope: { includeAccounts: ['123456789012'] } })),
    status: 403,
    refusal: POLICY_OWNS('"scope" is'),
  },
  {
    name: 'matching by user name, which the policy does not allow',
    request: (ctx) => signed(ctx, json(ctx, { match: { userNames: ['admin'] } })),
    status: 403,
    refusal: "matching by userName is not allowed by this server's policy (allowed match fields: tag:email)",
  },
  {
    name: 'a tag key the policy does not allow',
    request: (ctx) => signed(ctx, json(ctx, { match: { tagKey: 'team', tagValues: ['platform'] } })),
    status: 403,
    refusal:
      "matching by this tag key is not allowed by this server's policy (allowed match fields: tag:email)",
  },
  {
    name: 'more match values than the policy allows',
    request: (ctx) =>
      signed(ctx, json(ctx, { match: { tagValues: ['a@example.com', 'b@example.com', 'c@example.com'] } })),
    status: 403,
    refusal: "match lists 3 values; this server's policy allows at most 2",
  },
  {
    name: 'a purge mode the policy does not allow',
    request: (ctx) => signed(ctx, json(ctx, { purgeMode: 'delete-user' })),
    status: 403,
    refusal: `purgeMode "delete-user" is not allowed by this server's policy (allowed purge modes: strip-credentials)`,
  },
  {
    name: `a body over ${MAX_BODY_BYTES} bytes`,
    request: (ctx) => signed(ctx, json(ctx, { reason: 'x'.repeat(MAX_BODY_BYTES) })),
    status: 413,
    refusal: `request body too large: the limit is ${MAX_BODY_BYTES} bytes`,
  },
  {
    name: 'text/plain',
    request: (ctx) => {
      const request = signed(ctx, json(ctx));
      return { ...request, headers: { ...request.headers, 'content-type': 'text/plain' } };
    },
    status: 415,
    refusal: UNSUPPORTED,
  },
  {
    name: 'a form-encoded body',
    request: (ctx) => {
      const request = signed(ctx, `employeeId=${ctx.employeeId}&tagValues=mallory%40example.com`);
      return {
        ...request,
        headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded' },
      };
    },
    status: 415,
    refusal: UNSUPPORTED,
  },
  {
    name: 'no content type',
    request: (ctx) => {
      const { 'content-type': _type, ...headers } = signed(ctx, json(ctx)).headers;
      return { payload: json(ctx), headers };
    },
    status: 415,
    refusal: UNSUPPORTED,
  },
  {
    name: 'JSON in UTF-16 (correctly signed over its bytes)',
    request: (ctx) => signed(ctx, Buffer.from(`\ufeff${json(ctx)}`, 'utf16le')),
    status: 400,
    refusal: 'malformed JSON: the body is not a valid JSON document',
  },
  {
    name: 'a gzip-encoded body the server does not decode',
    request: (ctx) => {
      const request = signed(ctx, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]));
      return { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' } };
    },
    status: 400,
    refusal: 'malformed JSON: the body is not a valid JSON document',
  },
  {
    name: 'PUT instead of POST',
    request: (ctx) => ({ ...signed(ctx, json(ctx)), method: 'PUT' }),
    status: 404,
    refusal: 'not found',
  },
];
