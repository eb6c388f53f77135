import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Connections kept open per host. Every member account is reached at the same few hosts (IAM is
 * global, STS regional), so this bounds a worker's connections to one service, whatever the
 * number of accounts; calls beyond it wait for a free connection.
 */
export const CONNECTIONS_PER_HOST = 200;

/**
 * One pool of keep-alive connections shared by every client of an AwsClients. Requests are
 * signed one by one, so a connection carries no account's credentials: sharing it between
 * accounts only saves the TCP and TLS handshakes a new client per account would make.
 *
 * A client's destroy() leaves the pool open (another account's call may be using a connection of
 * it, and destroying a socket under a call can make the SDK resend a call AWS already carried
 * out, such as CreateAccessKey); `close()` closes it once the clients are done.
 */
export class ConnectionPool extends NodeHttpHandler {
  constructor(connectionsPerHost = CONNECTIONS_PER_HOST) {
    super({
      httpAgent: { keepAlive: true, maxSockets: connectionsPerHost },
      httpsAgent: { keepAlive: true, maxSockets: connectionsPerHost },
    });
  }

  override destroy(): void {
    // Shared: see close().
  }

  close(): void {
    super.destroy();
  }
}
