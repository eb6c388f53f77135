import path from 'node:path';
import { LOOPBACK, choosePort } from './ports';
import { startService, type StartedProcess } from './processes';
import { paths } from './project-paths';

export interface MotoServerOptions {
  python: string;
  port?: number;
  keepRunningAfterExit?: boolean;
  logFile?: string;
}

export async function startMotoServer(
  opts: MotoServerOptions,
): Promise<{ process: StartedProcess; endpoint: string }> {
  const port = await choosePort(opts.port, 'AWS emulator');
  const logFile = opts.logFile ?? path.join(paths.logs, 'moto.log');
  const endpoint = `http://${LOOPBACK}:${port}`;
  const started = await startService({
    what: 'the AWS emulator (moto)',
    ready: () => motoReady(endpoint),
    name: 'moto',
    command: opts.python,
    args: [path.join(paths.sandboxSources, 'moto_launcher.py'), '--host', LOOPBACK, '--port', String(port)],
    logFile,
    keepRunningAfterExit: opts.keepRunningAfterExit,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  return { process: started, endpoint };
}

export async function motoReady(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/_keywarden/health`, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}

/** Forgets every resource in the emulator, and turns its authorization off: each test file starts from an empty org. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
  await setMotoAuthorization(endpoint, false);
}

/**
 * Turns the emulator's IAM authorization on or off, for the whole server. On, every call must be
 * signed with the keys of an existing IAM user or assumed role, and is checked against that
 * principal's identity policies (actions, resources, explicit denies; not conditions, not SCPs).
 */
export async function setMotoAuthorization(endpoint: string, enforced: boolean): Promise<void> {
  // The number of calls still let through unchecked: none, or all of them.
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: enforced ? '0' : 'inf',
  });
  if (!response.ok) throw new Error(`moto reset-auth failed: HTTP ${response.status}`);
}

/** Sets creation dates and last use, which AWS (and so moto's API) never lets a caller change. */
export async function backdate(
  endpoint: string,
  change: {
    accountId: string;
    userName: string;
    userCreateDate?: string;
    accessKeyId?: string;
    keyCreateDate?: string;
    lastUsed?: { date: string; service?: string; region?: string };
  },
): Promise<void> {
  const response = await fetch(`${endpoint}/_keywarden/backdate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
  if (!response.ok) throw new Error(`backdate failed for ${change.userName}: ${await response.text()}`);
}
