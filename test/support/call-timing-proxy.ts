import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS call as the emulator saw it: its operation and how long the emulator took to answer. */
export interface TimedCall {
  /** `Action` of a query-protocol call (IAM, STS), or the X-Amz-Target of a JSON one. */
  operation: string;
  startMs: number;
  endMs: number;
  status: number;
}

function operationOf(request: http.IncomingMessage, body: Buffer): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'));
  return action?.[1] ?? 'unknown';
}

/**
 * A pass-through HTTP proxy in front of the emulator that times every call: the profile counts
 * what reaches the emulator (SDK retries included) and how long the emulator was busy.
 */
export class CallTimingProxy {
  readonly calls: TimedCall[] = [];
  private readonly server: http.Server;

  constructor(private readonly target: string) {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const startMs = Date.now();
        const upstream = http.request(
          `${this.target}${request.url ?? '/'}`,
          { method: request.method, headers: request.headers },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
            answer.on('end', () => {
              this.calls.push({
                operation: operationOf(request, body),
                startMs,
                endMs: Date.now(),
                status: answer.statusCode ?? 0,
              });
            });
          },
        );
        upstream.on('error', () => {
          response.writeHead(502);
          response.end();
        });
        upstream.end(body);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.calls.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
