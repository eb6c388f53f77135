import { format } from 'node:util';
import { main } from '../../client/cli';
import type { CliRun } from './cli-process';

/**
 * Runs the CLI's `main` in this process, as bin/keywarden.js does, with `env` applied to
 * process.env for the run, and returns its exit code and what it printed. Much faster than a
 * process per run (loading the CLI takes a second or more of CPU); runs must not overlap.
 */
export async function runKeywardenInProcess(
  env: Record<string, string | undefined>,
  ...args: string[]
): Promise<CliRun> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { log, error } = console;
  const write = process.stderr.write.bind(process.stderr);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  console.log = (...parts: unknown[]) => void stdout.push(`${format(...parts)}\n`);
  console.error = (...parts: unknown[]) => void stderr.push(`${format(...parts)}\n`);
  // Commander writes usage errors to process.stderr itself.
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  try {
    const code = await main(['node', 'keywarden', ...args]);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
