import { describeTemporalConnection, type TemporalConnection } from './temporal-connection';

/**
 * Why connecting failed, with what to check: TLS trouble and refused credentials look alike to a
 * person reading a gRPC status, so name the settings that usually cause them.
 */
export function connectionFailureMessage(error: unknown, connection: TemporalConnection): string {
  const text = error instanceof Error ? error.message : String(error);
  const hints: string[] = [];
  if (/certificate|ssl|tls|handshake|alpn|issuer|wrong version number/i.test(text)) {
    hints.push(
      connection.tls === false
        ? 'the server may expect TLS: enable it with a tls table in the profile or TEMPORAL_TLS=true'
        : 'check the server CA (tls.server_ca_cert_path or TEMPORAL_TLS_SERVER_CA_CERT_PATH; none means the system CAs), ' +
            'the name the certificate must match (tls.server_name or TEMPORAL_TLS_SERVER_NAME) and, for mTLS, the client certificate and key',
    );
  }
  if (/UNAUTHENTICATED|PERMISSION_DENIED|unauthori[sz]ed|forbidden/i.test(text)) {
    hints.push(
      `check the API key or client certificate, and that it may use namespace ${connection.namespace}`,
    );
  }
  const hint = hints.length > 0 ? ` (${hints.join('; ')})` : '';
  return `cannot reach Temporal at ${describeTemporalConnection(connection)}: ${text}${hint}`;
}
