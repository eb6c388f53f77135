import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { TemporalConnection, TemporalTls } from './temporal-connection';

/** Why a TLS handshake failed: the TLS settings (`tls`), or nothing there to shake hands with (`network`). */
export interface TlsProblem {
  kind: 'tls' | 'network';
  reason: string;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * gRPC reports a failed TLS handshake as "Failed to connect before the deadline". This makes one
 * TLS handshake with the same settings to learn why: the problem, or undefined if TLS is fine.
 */
export async function probeTls(
  connection: TemporalConnection,
  timeoutMs = 5000,
): Promise<TlsProblem | undefined> {
  const tls = connection.tls;
  if (tls === false) return undefined;
  const colon = connection.address.lastIndexOf(':');
  const host = connection.address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(connection.address.slice(colon + 1));
  const servername = tls.serverName ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ...(servername === undefined ? {} : { servername }),
      ...(tls.serverCa === undefined ? {} : { ca: Buffer.from(tls.serverCa) }),
      ...(tls.client === undefined
        ? {}
        : { cert: Buffer.from(tls.client.cert), key: Buffer.from(tls.client.key.reveal()) }),
      ALPNProtocols: ['h2'],
      timeout: timeoutMs,
    });
    const done = (problem: TlsProblem | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    // With TLS 1.3 the server judges the client certificate after the client's side of the handshake: wait for its verdict.
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 500));
    socket.once('timeout', () =>
      done({ kind: 'network', reason: `no TLS handshake with ${connection.address} within ${timeoutMs} ms` }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (UNREACHABLE.has(error.code ?? '')) {
        done({ kind: 'network', reason: `nothing answers at ${connection.address} (${error.code})` });
      } else {
        done({ kind: 'tls', reason: tlsReason(error, tls, connection.address, servername ?? host) });
      }
    });
  });
}

function tlsReason(error: NodeJS.ErrnoException, tls: TemporalTls, address: string, name: string): string {
  const code = error.code ?? '';
  if (UNTRUSTED.has(code)) {
    return `the server's certificate is not issued by ${tls.serverCa ? 'the configured server CA' : 'a CA this system trusts'} (${code})`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the server's certificate is not valid for the name "${name}": set tls.server_name or TEMPORAL_TLS_SERVER_NAME to a name it carries`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `the server's certificate is not valid now (${code})`;
  }
  if (/certificate required|handshake failure|bad certificate|unknown ca/i.test(error.message)) {
    return tls.client
      ? `the server refused the client certificate (${error.message.trim()})`
      : 'the server asks for a client certificate (mTLS): set tls.client_cert_path and tls.client_key_path, or TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  }
  if (/wrong version number|packet length too long/i.test(error.message)) {
    return `${address} does not speak TLS: it may be a plaintext server (then remove the TLS settings)`;
  }
  return `TLS handshake failed: ${error.message.trim()}`;
}
