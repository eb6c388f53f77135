import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-keywarden-signature';
export const TIMESTAMP_HEADER = 'x-keywarden-timestamp';
export const REQUEST_ID_HEADER = 'x-keywarden-request-id';
/** How far the sender's clock may be from ours, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
export const MIN_SECRET_LENGTH = 32;

const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;
const TIMESTAMP_FORMAT = /^[0-9]{1,12}$/;
// No "." so that timestamp, request ID and body can never be re-split into another valid triple.
const REQUEST_ID_FORMAT = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The signature a sender puts in X-Keywarden-Signature: `sha256=<hex HMAC-SHA256(secret,
 * timestamp + "." + requestId + "." + body)>`, over the raw body bytes exactly as sent. (For a
 * signed GET, the "body" is the request path.)
 */
export function signWebhookPayload(
  secret: string,
  timestamp: string,
  requestId: string,
  body: Buffer | string,
): string {
  return `sha256=${digest(secret, timestamp, requestId, body).toString('hex')}`;
}

function digest(secret: string, timestamp: string, requestId: string, body: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${requestId}.`).update(body).digest();
}

export type SignatureCheck = { ok: true } | { ok: false; error: string };

/**
 * Checks the three headers against the raw body: presence and format, then the HMAC under each
 * accepted secret (the current one and, during a rotation, the previous one; constant-time
 * comparisons, all of them made), then the clock skew, so only a correctly signed but old request
 * is told it looks like a replay. Messages never include a secret, the received signature or the
 * expected one.
 */
export function verifyWebhookSignature(opts: {
  secrets: readonly string[];
  signature: string | undefined;
  timestamp: string | undefined;
  requestId: string | undefined;
  body: Buffer | string;
  nowMs: number;
}): SignatureCheck {
  if (opts.signature === undefined || opts.signature === '') {
    return { ok: false, error: 'missing X-Keywarden-Signature header' };
  }
  const match = SIGNATURE_FORMAT.exec(opts.signature);
  if (match === null) {
    return { ok: false, error: 'malformed X-Keywarden-Signature header: expected sha256=<64 hex digits>' };
  }
  if (opts.timestamp === undefined || opts.timestamp === '') {
    return { ok: false, error: 'missing X-Keywarden-Timestamp header' };
  }
  if (!TIMESTAMP_FORMAT.test(opts.timestamp)) {
    return { ok: false, error: 'malformed X-Keywarden-Timestamp header: expected unix time in seconds' };
  }
  if (opts.requestId === undefined || opts.requestId === '') {
    return {
      ok: false,
      error: 'missing X-Keywarden-Request-Id header: send a new unique ID (e.g. a UUID) with every request',
    };
  }
  if (!REQUEST_ID_FORMAT.test(opts.requestId)) {
    return {
      ok: false,
      error:
        'malformed X-Keywarden-Request-Id header: expected 16-128 letters, digits, "-" or "_" (e.g. a UUID)',
    };
  }
  const received = Buffer.from(match[1] ?? '', 'hex');
  let matched = false;
  for (const secret of opts.secrets) {
    const expected = digest(secret, opts.timestamp, opts.requestId, opts.body);
    const same = received.length === expected.length && timingSafeEqual(received, expected);
    matched = same || matched;
  }
  if (!matched) return { ok: false, error: 'signature does not match' };
  const skew = Math.abs(opts.nowMs / 1000 - Number(opts.timestamp));
  if (skew > MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, error: 'timestamp outside the allowed clock skew (replay?)' };
  }
  return { ok: true };
}

/**
 * Why a webhook secret is unusable, or undefined when it is fine. Never echoes the secret.
 * `variable` names where it came from, for the message.
 */
export function webhookSecretProblem(
  secret: string | undefined,
  variable = 'KEYWARDEN_WEBHOOK_SECRET',
): string | undefined {
  if (secret === undefined || secret === '') {
    return `${variable} is not set: the HR webhook needs a shared secret of at least ${MIN_SECRET_LENGTH} characters (e.g. 64 random hex digits)`;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    return `${variable} is too short: it needs at least ${MIN_SECRET_LENGTH} characters (e.g. 64 random hex digits)`;
  }
  if (secret.trim() !== secret) {
    return `${variable} starts or ends with whitespace: remove it (a copy-paste accident?)`;
  }
  return undefined;
}
