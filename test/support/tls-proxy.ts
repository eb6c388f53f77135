import { connect, type Socket } from 'node:net';
import { createServer } from 'node:tls';

/** A TLS front for the plaintext dev server, as a load balancer in front of a secured cluster would be. */
export interface TlsProxy {
  /** `127.0.0.1:<port>` */
  address: string;
  close(): Promise<void>;
}

export interface TlsProxyOptions {
  /** The plaintext gRPC frontend, `host:port`. */
  upstream: string;
  cert: Buffer;
  key: Buffer;
  /** With it, clients must present a certificate this CA issued (mTLS). */
  clientCa?: Buffer;
}

/**
 * Terminates TLS on a free loopback port and passes the bytes on to the dev server. It offers
 * only HTTP/2 (ALPN "h2"), as gRPC clients require.
 */
export async function startTlsProxy(opts: TlsProxyOptions): Promise<TlsProxy> {
  const colon = opts.upstream.lastIndexOf(':');
  const upstreamHost = opts.upstream.slice(0, colon);
  const upstreamPort = Number(opts.upstream.slice(colon + 1));
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ALPNProtocols: ['h2'],
      ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (client) => {
      const upstream = connect(upstreamPort, upstreamHost);
      track(client);
      track(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('connection', track);
  // Refused handshakes (a client that does not trust us, or has no certificate) are the point of some tests.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TLS proxy has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
