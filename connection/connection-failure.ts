import { describeTemporalConnection, type TemporalConnection } from './temporal-connection';
import { probeTls } from './tls-probe';

/**
 * Why connecting failed, with what to check: TLS trouble and refused credentials look alike to a
 * person reading a gRPC status, so a TLS connection that fails is probed for the handshake's
 * own reason, and the settings that usually cause it are named.
 */
export async function connectionFailureMessage(
  error: unknown,
  connection: TemporalConnection,
): Promise<string> {
  const text = error instanceof Error ? error.message : String(error);
  const unauthenticated = /UNAUTHENTICATED|PERMISSION_DENIED|unauthori[sz]ed|forbidden/i.test(text);
  const tlsProblem = unauthenticated ? undefined : await probeTls(connection).catch(() => undefined);
  const hints: string[] = [];
  if (tlsProblem?.kind === 'tls') {
    hints.push(
      'check the server CA (tls.server_ca_cert_path or TEMPORAL_TLS_SERVER_CA_CERT_PATH; none means the system CAs), ' +
        'the name the certificate must match (tls.server_name or TEMPORAL_TLS_SERVER_NAME) and, for mTLS, the client certificate and key',
    );
  } else if (connection.tls === false && /wrong version|ssl|tls|ECONNRESET|deadline/i.test(text)) {
    hints.push('if the server expects TLS, enable it with a tls table in the profile or TEMPORAL_TLS=true');
  }
  if (unauthenticated) {
    hints.push(
      `check the API key or client certificate, and that it may use namespace ${connection.namespace}`,
    );
  }
  const cause =
    tlsProblem === undefined
      ? text
      : `${text}; ${tlsProblem.kind === 'tls' ? 'TLS: ' : ''}${tlsProblem.reason}`;
  const hint = hints.length > 0 ? ` (${hints.join('; ')})` : '';
  return `cannot reach Temporal at ${describeTemporalConnection(connection)}: ${cause}${hint}`;
}
