import net from 'node:net';
import { SetupError } from './setup-error';

export const LOOPBACK = '127.0.0.1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/** A port given by the user must be free; a port left to us is picked free. */
export async function choosePort(requested: number | undefined, what: string): Promise<number> {
  if (requested === undefined) return freePort();
  if (!(await isPortFree(requested))) {
    throw new SetupError(
      `port ${requested} on ${LOOPBACK} (${what}) is already in use: stop whatever listens there ` +
        `(see: ss -ltnp 'sport = :${requested}'), or choose another port, or leave it unset to pick a free one`,
    );
  }
  return requested;
}
