import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions, TLSConfig } from '@temporalio/worker';
import type { TemporalConnection } from './temporal-connection';

/** What the client's Connection and the worker's NativeConnection both take: built once, so they cannot disagree. */
function sharedOptions(connection: TemporalConnection) {
  const tls: TLSConfig | false =
    connection.tls === false
      ? false
      : {
          ...(connection.tls.serverName === undefined
            ? {}
            : { serverNameOverride: connection.tls.serverName }),
          ...(connection.tls.serverCa === undefined
            ? {}
            : { serverRootCACertificate: connection.tls.serverCa }),
          ...(connection.tls.client === undefined
            ? {}
            : {
                clientCertPair: { crt: connection.tls.client.cert, key: connection.tls.client.key.reveal() },
              }),
        };
  return {
    address: connection.address,
    tls,
    ...(connection.apiKey === undefined ? {} : { apiKey: connection.apiKey.reveal() }),
    ...(connection.metadata === undefined ? {} : { metadata: connection.metadata.reveal() }),
  };
}

/** For `Connection.connect` (CLI, webhook). */
export function clientConnectionOptions(
  connection: TemporalConnection,
  extra: Pick<ConnectionOptions, 'connectTimeout'> = {},
): ConnectionOptions {
  return { ...sharedOptions(connection), ...extra };
}

/** For `NativeConnection.connect` (worker). */
export function workerConnectionOptions(connection: TemporalConnection): NativeConnectionOptions {
  return sharedOptions(connection);
}
