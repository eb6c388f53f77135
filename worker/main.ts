import { runWorker } from './run-worker';

/** A worker process (the sandbox starts this file; installs use `keywarden worker`). */
runWorker().catch((error: unknown) => {
  console.error(`keywarden worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
