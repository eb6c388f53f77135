import type { Client } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { employeeIdSchema } from '../../domain/offboarding-request';
import type { WebhookPolicy } from '../../domain/webhook-policy';
import { authorizeWebhookRequest } from '../../domain/webhook-request';
import { ReplayGuard } from './replay-guard';
import {
  MAX_CLOCK_SKEW_SECONDS,
  REQUEST_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  webhookSecretProblem,
} from './signature';
import { queryOffboardingStatus, startOffboarding } from '../offboarding-client';
import { missingSearchAttributesMessage } from '../search-attribute-setup';
import { toWebhookStatusResponse } from './status-response';
import { DEFAULT_TEMPORAL_TIMEOUT_MS, TemporalCallError, withTemporalDeadline } from './temporal-deadline';

/** Offboarding requests are small: anything bigger is refused before it is read in full. */
export const MAX_BODY_BYTES = 64 * 1024;
/** A client has this long to send its whole request (headers and body). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** An idle connection is closed after this long. */
export const CONNECTION_TIMEOUT_MS = 30_000;

export interface WebhookServerOptions {
  client: Client;
  taskQueue: string;
  /** What requests may ask for; the workflow input is built from it. */
  policy: WebhookPolicy;
  /** The shared HMAC secret (at least 32 characters). */
  secret: string;
  /** During a rotation, the secret being retired: signatures under either are accepted. */
  previousSecret?: string;
  /** PEM certificate and key: serve HTTPS. Without them, plain HTTP (for a TLS-terminating proxy). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How long a request may wait for Temporal before the answer is 504. */
  temporalTimeoutMs?: number;
  /** Request IDs remembered at once (replay protection). */
  replayCapacity?: number;
  /** Milliseconds since the epoch; replaceable for tests. */
  now?: () => number;
  bodyLimit?: number;
  /** Fastify's logger option; off by default. Request logs never include headers or bodies. */
  logger?: FastifyServerOptions['logger'];
}

interface ErrorBody {
  error: string;
}

const refuse = (reply: FastifyReply, status: number, error: string): FastifyReply =>
  reply.code(status).send({ error } satisfies ErrorBody);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The HR webhook. `POST /v1/offboarding` takes a signed request and starts (or finds) the
 * offboarding its policy allows; `GET /v1/offboarding/:employeeId` answers counts and timings of
 * its status, signed the same way over the request path; `GET /healthz` is open. Every signed
 * request carries a request ID that is accepted once. Every refusal is a JSON `{error}` with a
 * 4xx code, starts nothing, and never echoes a secret or a signature.
 */
export function buildWebhookServer(opts: WebhookServerOptions): FastifyInstance {
  const problem =
    webhookSecretProblem(opts.secret) ??
    (opts.previousSecret === undefined
      ? undefined
      : webhookSecretProblem(opts.previousSecret, 'KEYWARDEN_WEBHOOK_SECRET_PREVIOUS'));
  if (problem !== undefined) throw new Error(problem);
  const secrets = opts.previousSecret === undefined ? [opts.secret] : [opts.secret, opts.previousSecret];
  const now = opts.now ?? Date.now;
  const bodyLimit = opts.bodyLimit ?? MAX_BODY_BYTES;
  const temporalTimeoutMs = opts.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS;
  const replay = new ReplayGuard(MAX_CLOCK_SKEW_SECONDS * 1000, opts.replayCapacity);
  const receivedAt = new WeakMap<FastifyRequest, number>();
  const claimedIds = new WeakMap<FastifyRequest, string>();

  // The routes use nothing specific to the http or https server, so both are typed as the default.
  const app = Fastify({
    bodyLimit,
    logger: opts.logger ?? false,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    // A backstop behind the deadline on each Temporal call, which answers first with a clearer message.
    handlerTimeout: temporalTimeoutMs + 5_000,
    ...(opts.tls === undefined ? {} : { https: { cert: opts.tls.cert, key: opts.tls.key } }),
  }) as unknown as FastifyInstance;

  // Keep the raw bytes: the signature is over the body exactly as sent, and JSON is parsed only
  // after the signature checks out. Any other content type is refused with 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    done(null, body);
  });

  app.addHook('onRequest', (request, _reply, done) => {
    receivedAt.set(request, now());
    done();
  });
  // A request that failed on our side may be sent again as is: its ID is not used up.
  app.addHook('onResponse', (request, reply, done) => {
    const id = claimedIds.get(request);
    if (id !== undefined && reply.statusCode >= 500) replay.release(id);
    done();
  });

  app.setErrorHandler((error: { code?: string; statusCode?: number }, _request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refuse(reply, 415, 'unsupported content type: send the request as application/json');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuse(reply, 413, `request body too large: the limit is ${bodyLimit} bytes`);
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return refuse(reply, 400, 'the Content-Length header does not match the body');
      case 'FST_ERR_HANDLER_TIMEOUT':
        return refuse(reply, 503, 'the request took too long to handle: retry later');
      default: {
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) return refuse(reply, status, 'bad request');
        return refuse(reply, 500, 'internal error: the request could not be handled');
      }
    }
  });
  app.setNotFoundHandler((_request, reply) => refuse(reply, 404, 'not found'));

  /** Signature, clock skew, then the request ID (once only). Undefined when the request may go on. */
  const authenticate = (request: FastifyRequest, reply: FastifyReply, signed: Buffer | string) => {
    const timestamp = header(request, TIMESTAMP_HEADER);
    const requestId = header(request, REQUEST_ID_HEADER);
    const check = verifyWebhookSignature({
      secrets,
      signature: header(request, SIGNATURE_HEADER),
      timestamp,
      requestId,
      body: signed,
      nowMs: now(),
    });
    if (!check.ok) return refuse(reply, 401, check.error);
    const claim = replay.claim(requestId!, Number(timestamp), now());
    if (claim.outcome === 'replay') {
      return refuse(
        reply,
        409,
        'this X-Keywarden-Request-Id was already used: every request needs a new one (nothing was started)',
      );
    }
    if (claim.outcome === 'full') {
      void reply.header('retry-after', String(claim.retryAfterSeconds));
      return refuse(reply, 429, 'too many requests within the replay window: retry later');
    }
    claimedIds.set(request, requestId!);
    return undefined;
  };

  const temporalFailure = (reply: FastifyReply, error: unknown, hint: string) => {
    if (error instanceof TemporalCallError) return refuse(reply, error.status, `${error.message}: ${hint}`);
    throw error;
  };

  app.get('/healthz', () => ({ ok: true }));

  app.post('/v1/offboarding', async (request, reply) => {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) {
      return refuse(reply, 415, 'unsupported content type: send the request as application/json');
    }
    const refused = authenticate(request, reply, raw);
    if (refused !== undefined) return refused;

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(reply, 400, 'malformed JSON: the body is not a valid JSON document');
    }
    const decision = authorizeWebhookRequest(opts.policy, body);
    if (!decision.ok) return refuse(reply, decision.status, decision.error);

    const requestedAt = new Date(receivedAt.get(request) ?? now()).toISOString();
    let started;
    try {
      started = await withTemporalDeadline(opts.client, temporalTimeoutMs, 'starting the offboarding', () =>
        startOffboarding(opts.client, { taskQueue: opts.taskQueue, request: decision.request, requestedAt }),
      );
    } catch (error) {
      const notSetUp = missingSearchAttributesMessage(error, opts.client.options.namespace);
      // Nothing started; the request ID is released (5xx), so the same request may be sent after setup.
      if (notSetUp !== undefined) return refuse(reply, 503, `the offboarding could not start: ${notSetUp}`);
      return temporalFailure(
        reply,
        error,
        'it may or may not have started; send the request again (a running offboarding is found, not started twice)',
      );
    }
    request.log.info(
      { workflowId: started.workflowId, duplicate: started.duplicate, requestId: claimedIds.get(request) },
      started.duplicate ? 'offboarding already running' : 'offboarding started',
    );
    return reply.code(202).send({
      workflowId: started.workflowId,
      runId: started.runId,
      statusUrl: `/v1/offboarding/${encodeURIComponent(decision.request.employeeId)}`,
      duplicate: started.duplicate,
    });
  });

  app.get<{ Params: { employeeId: string } }>('/v1/offboarding/:employeeId', async (request, reply) => {
    const refused = authenticate(request, reply, request.url);
    if (refused !== undefined) return refused;
    const { employeeId } = request.params;
    if (!employeeIdSchema.safeParse(employeeId).success) return refuse(reply, 400, 'invalid employeeId');
    let status;
    try {
      status = await withTemporalDeadline(
        opts.client,
        temporalTimeoutMs,
        'reading the offboarding status',
        () => queryOffboardingStatus(opts.client, employeeId),
      );
    } catch (error) {
      return temporalFailure(reply, error, 'is a keywarden worker running? Ask again later');
    }
    if (status === undefined) return refuse(reply, 404, 'no offboarding for this employeeId');
    return reply.code(200).send(toWebhookStatusResponse(status));
  });

  return app;
}
