import type { Command } from 'commander';
import { runWorker } from '../../worker/run-worker';
import { CliError } from '../cli-error';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run one worker on the task queue (KEYWARDEN_TASK_QUEUE) until SIGINT/SIGTERM; start more processes, ' +
        'on this host or others, to scale out. Temporal from TEMPORAL_* or a profile, AWS from the standard chain',
    )
    .action(async () => {
      await runWorker().catch((error: unknown) => {
        throw new CliError(`worker: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
}
