import type { Command } from 'commander';
import { runWorker } from '../../worker/run-worker';
import { WorkerConfigError } from '../../worker/worker-config-error';
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
        const message = `worker: ${error instanceof Error ? error.message : String(error)}`;
        // A wrong environment or file is wrong input (exit 2); anything later is a failure (exit 1).
        throw new CliError(message, error instanceof WorkerConfigError ? 2 : 1);
      });
    });
}
