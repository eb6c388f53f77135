import type { Redacted } from './redacted';

/**
 * A resolved, checked connection to a Temporal frontend: what the worker, the CLI and the webhook
 * all connect with. Credentials are wrapped so that printing a connection never shows them.
 */
export interface TemporalConnection {
  /** `host:port` */
  address: string;
  namespace: string;
  /** `false`: plaintext (the local dev server). */
  tls: false | TemporalTls;
  apiKey?: Redacted<string>;
  /** Extra gRPC headers from the profile's grpc_meta (they may carry credentials too). */
  metadata?: Redacted<Record<string, string>>;
  /** Where the settings came from, for messages: a profile and file, or variable names. Never values. */
  origin: string;
}

export interface TemporalTls {
  /** Overrides the name the server certificate is checked against (SNI). */
  serverName?: string;
  /** PEM; without it the system's trusted CAs are used (as for Temporal Cloud). */
  serverCa?: Uint8Array;
  /** mTLS: a PEM certificate and its PEM private key, always together. */
  client?: { cert: Uint8Array; key: Redacted<Uint8Array> };
}

/** A plaintext connection to a local dev server (the sandbox's, or the default local address). */
export function plaintextConnection(address: string, namespace: string, origin: string): TemporalConnection {
  return { address, namespace, tls: false, origin };
}

/** One line for logs and messages: where, which namespace, how secured. No credentials. */
export function describeTemporalConnection(connection: TemporalConnection): string {
  const security: string[] = [];
  if (connection.tls === false) security.push('plaintext');
  else security.push(connection.tls.client ? 'mTLS' : 'TLS');
  if (connection.apiKey) security.push('API key');
  return `${connection.address} (namespace ${connection.namespace}, ${security.join(' + ')}, from ${connection.origin})`;
}
