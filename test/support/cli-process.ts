import { execFile } from 'node:child_process';
import path from 'node:path';
import { paths } from '../../sandbox/project-paths';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed CLI (bin/keywarden.js) as a person would, in its own process. */
export function runKeywarden(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  return runKeywardenFor(60_000, env, ...args);
}

/** The same, for commands that wait (a campaign run to its end): `timeoutMs` bounds the wait. */
export function runKeywardenFor(
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<CliRun> {
  return new Promise<CliRun>((resolve) => {
    execFile(
      process.execPath,
      [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
      { cwd: paths.root, env, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
