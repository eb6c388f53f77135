import { runWorker } from './run-worker';
import { WorkerConfigError } from './worker-config-error';

/**
 * A worker process (the sandbox starts this file; installs use `keywarden worker`). Like the CLI,
 * it exits 2 when its environment is wrong (nothing to retry) and 1 on any other failure.
 */
runWorker().catch((error: unknown) => {
  console.error(`keywarden worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof WorkerConfigError ? 2 : 1);
});
