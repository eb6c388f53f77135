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
  return new Promise<CliRun>((resolve) => {
    execFile(
      process.execPath,
      [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
      { cwd: paths.root, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
