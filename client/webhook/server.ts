import type { Client } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { parseOffboardingRequest } from '../../domain/offboarding-request';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  webhookSecretProblem,
} from './signature';
import { queryOffboardingStatus, startOffboarding } from './start-offboarding';

/** Offboarding requests are small: anything bigger is refused before it is read in full. */
export const MAX_BODY_BYTES = 64 * 1024;

const EMPLOYEE_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

export interface WebhookServerOptions {
  client: Client;
  taskQueue: string;
  /** The shared HMAC secret (at least 32 characters). */
  secret: string;
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
 * The HR webhook. `POST /v1/offboarding` takes a signed OffboardingRequest and starts (or finds)
 * the offboarding; `GET /v1/offboarding/:employeeId` answers its status query, signed the same
 * way over the request path; `GET /healthz` is open. Every refusal is a JSON `{error}` with a
 * 4xx code, starts nothing, and never echoes the secret or a signature.
 */
export function buildWebhookServer(opts: WebhookServerOptions): FastifyInstance {
  const problem = webhookSecretProblem(opts.secret);
  if (problem !== undefined) throw new Error(problem);
  const now = opts.now ?? Date.now;
  const bodyLimit = opts.bodyLimit ?? MAX_BODY_BYTES;
  const receivedAt = new WeakMap<FastifyRequest, number>();

  const app = Fastify({ bodyLimit, logger: opts.logger ?? false });

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

  app.setErrorHandler((error: { code?: string; statusCode?: number }, _request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refuse(reply, 415, 'unsupported content type: send the request as application/json');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuse(reply, 413, `request body too large: the limit is ${bodyLimit} bytes`);
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return refuse(reply, 400, 'the Content-Length header does not match the body');
      default: {
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) return refuse(reply, status, 'bad request');
        return refuse(reply, 500, 'internal error: the request could not be handled');
      }
    }
  });
  app.setNotFoundHandler((_request, reply) => refuse(reply, 404, 'not found'));

  const authenticate = (request: FastifyRequest, signed: Buffer | string) =>
    verifyWebhookSignature({
      secret: opts.secret,
      signature: header(request, SIGNATURE_HEADER),
      timestamp: header(request, TIMESTAMP_HEADER),
      body: signed,
      nowMs: now(),
    });

  app.get('/healthz', () => ({ ok: true }));

  app.post('/v1/offboarding', async (request, reply) => {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) {
      return refuse(reply, 415, 'unsupported content type: send the request as application/json');
    }
    const check = authenticate(request, raw);
    if (!check.ok) return refuse(reply, 401, check.error);

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(reply, 400, 'malformed JSON: the body is not a valid JSON document');
    }
    const parsed = parseOffboardingRequest(body);
    if (!parsed.ok) return refuse(reply, 400, `invalid offboarding request: ${parsed.message}`);

    const requestedAt = new Date(receivedAt.get(request) ?? now()).toISOString();
    const started = await startOffboarding(opts.client, {
      taskQueue: opts.taskQueue,
      request: parsed.request,
      requestedAt,
    });
    request.log.info(
      { workflowId: started.workflowId, duplicate: started.duplicate },
      started.duplicate ? 'offboarding already running' : 'offboarding started',
    );
    return reply.code(202).send({
      workflowId: started.workflowId,
      runId: started.runId,
      statusUrl: `/v1/offboarding/${encodeURIComponent(parsed.request.employeeId)}`,
      duplicate: started.duplicate,
    });
  });

  app.get<{ Params: { employeeId: string } }>('/v1/offboarding/:employeeId', async (request, reply) => {
    const check = authenticate(request, request.url);
    if (!check.ok) return refuse(reply, 401, check.error);
    const { employeeId } = request.params;
    if (!EMPLOYEE_ID.test(employeeId)) return refuse(reply, 400, 'invalid employeeId');
    const status = await queryOffboardingStatus(opts.client, employeeId);
    if (status === undefined) return refuse(reply, 404, 'no offboarding for this employeeId');
    return reply.code(200).send(status);
  });

  return app;
}
