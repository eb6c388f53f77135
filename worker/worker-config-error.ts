/** The worker's configuration (environment, files it names) is wrong: nothing was connected or started. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}
