import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

export type FaultClass = 'throttling' | 'serverError' | 'connectionReset' | 'blackout';

export interface FaultRates {
  /** Share of requests answered HTTP 400 with the `Throttling` error code. */
  throttling: number;
  /** Share answered HTTP 500 or 503. */
  serverError: number;
  /** Share whose connection is reset without an answer: half before the call reaches the emulator, half after. */
  connectionReset: number;
}

export interface FaultProxyOptions {
  /** The emulator, e.g. http://127.0.0.1:5000. */
  target: string;
  seed: number;
  rates: FaultRates;
}

export type FaultCounts = Record<FaultClass, number> & { forwarded: number; requests: number };

/** mulberry32: the same seed gives the same sequence of faults for the same sequence of requests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON-protocol services (Secrets Manager, SSM, Organizations) name the operation in X-Amz-Target. */
function speaksJson(request: http.IncomingMessage): boolean {
  return typeof request.headers['x-amz-target'] === 'string';
}

function errorResponse(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  status: number,
  code: string,
): void {
  const requestId = randomUUID();
  if (speaksJson(request)) {
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': code,
      'x-amzn-requestid': requestId,
    });
    response.end(JSON.stringify({ __type: code, message: `injected ${code}` }));
    return;
  }
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  response.end(
    `<ErrorResponse><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code>` +
      `<Message>injected ${code}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

/**
 * A loopback HTTP proxy between keywarden and the AWS emulator that injects faults with a seeded
 * PRNG: throttling, 500/503, connection resets, and on demand a blackout in which every
 * connection is dropped as it arrives. It counts what it did, by class.
 */
export class FaultProxy {
  readonly counts: FaultCounts = {
    requests: 0,
    forwarded: 0,
    throttling: 0,
    serverError: 0,
    connectionReset: 0,
    blackout: 0,
  };
  private readonly random: () => number;
  private blackoutUntil = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly options: FaultProxyOptions,
  ) {
    this.random = seededRandom(options.seed);
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = http.createServer();
    const proxy = new FaultProxy(server, options);
    server.on('connection', (socket) => proxy.onConnection(socket));
    server.on('request', (request, response) => proxy.onRequest(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** From now on, for `ms`, every connection is dropped as it arrives (and open ones are cut). */
  blackout(ms: number): void {
    this.blackoutUntil = Date.now() + ms;
    for (const socket of this.sockets) socket.destroy();
  }

  inBlackout(): boolean {
    return Date.now() < this.blackoutUntil;
  }

  /** Faults injected so far, without the plain counters. */
  faults(): Record<FaultClass, number> {
    const { throttling, serverError, connectionReset, blackout } = this.counts;
    return { throttling, serverError, connectionReset, blackout };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    if (this.inBlackout()) {
      this.counts.blackout++;
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private onRequest(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.counts.requests++;
    if (this.inBlackout()) {
      this.counts.blackout++;
      request.socket.destroy();
      return;
    }
    const { throttling, serverError, connectionReset } = this.options.rates;
    const draw = this.random();
    if (draw < throttling) {
      this.counts.throttling++;
      request.resume();
      errorResponse(request, response, 400, 'Throttling');
    } else if (draw < throttling + serverError) {
      this.counts.serverError++;
      request.resume();
      const unavailable = this.random() < 0.5;
      errorResponse(
        request,
        response,
        unavailable ? 503 : 500,
        unavailable ? 'ServiceUnavailable' : 'InternalFailure',
      );
    } else if (draw < throttling + serverError + connectionReset) {
      this.counts.connectionReset++;
      // Half before the emulator sees the call, half after it acted: the answer is lost.
      if (this.random() < 0.5) request.socket.resetAndDestroy();
      else this.forward(request, response, true);
    } else {
      this.counts.forwarded++;
      this.forward(request, response, false);
    }
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse, dropAnswer: boolean): void {
    const target = new URL(this.options.target);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        if (dropAnswer) {
          answer.resume();
          answer.once('end', () => request.socket.resetAndDestroy());
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  }
}
