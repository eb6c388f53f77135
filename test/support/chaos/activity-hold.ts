/**
 * Preloaded (`node --require`) into a chaos run's `keywarden worker` processes. Some activities
 * finish in milliseconds (the approver registry, an offboarding's containment), so a kill at a
 * random moment almost never lands inside them. This installs the Temporal runtime with a logger
 * that, when an activity starts whose type is listed (comma-separated) in the file named by
 * KEYWARDEN_CHAOS_HOLD_FILE, prints a marker line and holds the whole process for
 * KEYWARDEN_CHAOS_HOLD_MS: the killer sees the marker and kills the process while that activity
 * is certainly in flight. The killer rewrites the file as types get interrupted. Nothing else
 * changes in the worker.
 */
import { readFileSync, writeSync } from 'node:fs';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { HOLD_FILE_ENV, HOLD_MS_ENV } from './hold-protocol';

const holdFile = process.env[HOLD_FILE_ENV];
const holdMs = Number(process.env[HOLD_MS_ENV] ?? '5000');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

function heldTypes(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split(',');
  } catch {
    return [];
  }
}

function logEntry(file: string, entry: LogEntry): void {
  const type: unknown = entry.meta?.activityType;
  if (entry.message === 'Activity started' && typeof type === 'string' && heldTypes(file).includes(type)) {
    // Synchronous on purpose: the activity must not run on while the killer reacts.
    writeSync(1, `chaos: holding ${type}\n`);
    Atomics.wait(sleeper, 0, 0, holdMs);
    return;
  }
  if (LEVELS.indexOf(entry.level) >= LEVELS.indexOf('INFO')) {
    writeSync(2, `${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}\n`);
  }
}

if (holdFile !== undefined && holdFile !== '') {
  Runtime.install({ logger: new DefaultLogger('DEBUG', (entry) => logEntry(holdFile, entry)) });
}
