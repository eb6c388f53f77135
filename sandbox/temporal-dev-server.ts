import { Connection } from '@temporalio/client';
import path from 'node:path';
import { searchAttributeRegistrations } from '../domain/search-attributes';
import { LOOPBACK, choosePort, freePort } from './ports';
import { startService, type StartedProcess } from './processes';
import { paths } from './project-paths';

export interface TemporalEndpoint {
  address: string;
  namespace: string;
  uiUrl: string;
}

export interface TemporalServerOptions {
  temporalBinary: string;
  /** A file for the sandbox, so workflows survive a restart; unset keeps everything in memory (tests). */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  keepRunningAfterExit?: boolean;
  logFile?: string;
  /** Server dynamic configuration, e.g. `{ 'limit.historyCount.suggestContinueAsNew': 40 }` for tests. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export async function startTemporalDevServer(
  opts: TemporalServerOptions,
): Promise<{ process: StartedProcess; endpoint: TemporalEndpoint }> {
  const port = await choosePort(opts.port, 'Temporal frontend');
  const uiPort = await choosePort(opts.uiPort, 'Temporal Web UI');
  const args = [
    'server',
    'start-dev',
    '--ip',
    LOOPBACK,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--http-port',
    String(await freePort()),
    '--metrics-port',
    String(await freePort()),
    '--ui-disable-news-fetch',
    '--log-level',
    'warn',
    ...searchAttributeRegistrations.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.type}`]),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...Object.entries(opts.dynamicConfig ?? {}).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
  const logFile = opts.logFile ?? path.join(paths.logs, 'temporal.log');
  const endpoint: TemporalEndpoint = {
    address: `${LOOPBACK}:${port}`,
    namespace: 'default',
    uiUrl: `http://${LOOPBACK}:${uiPort}`,
  };
  const started = await startService({
    what: 'the Temporal dev server',
    ready: () => temporalReady(endpoint),
    name: 'temporal',
    command: opts.temporalBinary,
    args,
    logFile,
    keepRunningAfterExit: opts.keepRunningAfterExit,
  });
  return { process: started, endpoint };
}

export async function temporalReady(endpoint: TemporalEndpoint): Promise<boolean> {
  const connection = await Connection.connect({ address: endpoint.address, connectTimeout: 1000 });
  try {
    await connection.workflowService.describeNamespace({ namespace: endpoint.namespace });
    const ui = await fetch(endpoint.uiUrl, { signal: AbortSignal.timeout(2000) });
    return ui.ok;
  } finally {
    await connection.close();
  }
}
