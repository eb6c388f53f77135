import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SetupError } from './setup-error';

export interface StartedProcess {
  name: string;
  pid: number;
  logFile: string;
}

/**
 * Starts a service in its own process group, output to a log file, so that it can be stopped
 * with everything it spawned, and (when detached) outlive the command that started it.
 */
export function startProcess(opts: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  keepRunningAfterExit?: boolean;
}): StartedProcess {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: opts.env ?? process.env,
    });
    if (child.pid === undefined) {
      throw new SetupError(`could not start ${opts.name} (${opts.command}): see ${opts.logFile}`);
    }
    if (opts.keepRunningAfterExit) child.unref();
    return { name: opts.name, pid: child.pid, logFile: opts.logFile };
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to the process group, then SIGKILL if it has not gone within the grace period. */
export async function stopProcess(pid: number, graceMs = 8000): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await delay(100);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await delay(50);
}

/** Synchronous best effort, for process 'exit' handlers where nothing async may run. */
export function killNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; pid: number; logFile: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(opts.pid)) {
      throw new SetupError(`${what} exited during startup: see its log, ${opts.logFile}`);
    }
    if (await check().catch(() => false)) return;
    await delay(200);
  }
  throw new SetupError(`${what} was not ready after ${opts.timeoutMs / 1000}s: see its log, ${opts.logFile}`);
}

/** Starts a service and waits until it answers; if it never does, stops it again before throwing. */
export async function startService(
  opts: Parameters<typeof startProcess>[0] & {
    what: string;
    ready: () => Promise<boolean>;
    timeoutMs?: number;
  },
): Promise<StartedProcess> {
  const started = startProcess(opts);
  try {
    await waitUntil(opts.what, opts.ready, {
      timeoutMs: opts.timeoutMs ?? 60_000,
      pid: started.pid,
      logFile: started.logFile,
    });
  } catch (error) {
    await stopProcess(started.pid);
    throw error;
  }
  return started;
}
