import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { paths } from '../../sandbox/project-paths';

/** One `keywarden worker` process, as a deployment runs it. */
export interface WorkerProcess {
  readonly slot: number;
  child: ChildProcess;
  output: string[];
  /** The identity it prints once it polls: activity events in histories carry it. */
  identity?: string;
}

/** What a deployment sets for `keywarden worker`: Temporal, the task queue, the AWS endpoint and credentials. */
export interface WorkerEnvOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  region: string;
  awsEndpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A prebuilt workflow bundle, so a restarted process polls again within seconds. */
  workflowBundlePath?: string;
}

export function workerEnv(opts: WorkerEnvOptions): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _profile, ...inherited } = process.env;
  return {
    ...inherited,
    TEMPORAL_CONFIG_FILE: '',
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_NAMESPACE: opts.namespace,
    KEYWARDEN_TASK_QUEUE: opts.taskQueue,
    AWS_REGION: opts.region,
    AWS_ENDPOINT_URL: opts.awsEndpoint,
    AWS_ACCESS_KEY_ID: opts.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: opts.credentials.secretAccessKey,
    ...(opts.workflowBundlePath === undefined ? {} : { KEYWARDEN_WORKFLOW_BUNDLE: opts.workflowBundlePath }),
  };
}

/** Every process started here, so none outlives the test process, even one that times out. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** How a pool starts its processes, besides the environment. */
export interface SpawnOptions {
  /** Modules node preloads (`--require`) into every process, e.g. a test logger. */
  preload?: readonly string[];
  /** Called with each output line of every process, as it comes. */
  onLine?: (slot: number, line: string) => void;
}

function spawnWorker(slot: number, env: NodeJS.ProcessEnv, spawnOptions: SpawnOptions): WorkerProcess {
  const preload = (spawnOptions.preload ?? []).flatMap((module) => ['--require', module]);
  const child = spawn(
    process.execPath,
    [...preload, path.join(paths.root, 'bin', 'keywarden.js'), 'worker'],
    {
      cwd: paths.root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.add(child);
  child.once('exit', () => started.delete(child));
  const worker: WorkerProcess = { slot, child, output: [] };
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    worker.output.push(text);
    for (const line of text.split('\n')) if (line !== '') spawnOptions.onLine?.(slot, line);
    worker.identity ??= /^worker identity: (\S+)$/m.exec(worker.output.join(''))?.[1];
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return worker;
}

async function untilPolling(workers: readonly WorkerProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (workers.some((w) => w.identity === undefined)) {
    const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead) throw new Error(`a worker exited early:\n${dead.output.join('')}`);
    if (Date.now() > deadline) throw new Error('the workers did not start in time');
    await delay(250);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/**
 * N worker processes on one task queue. Each process bundles the workflow code before it polls
 * unless given a bundle: that takes a while on a busy machine, hence the generous start timeout.
 */
export class WorkerPool {
  readonly workers: WorkerProcess[] = [];

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly startTimeoutMs: number,
    private readonly spawnOptions: SpawnOptions,
  ) {}

  static async start(
    count: number,
    env: NodeJS.ProcessEnv,
    startTimeoutMs = 240_000,
    spawnOptions: SpawnOptions = {},
  ): Promise<WorkerPool> {
    const pool = new WorkerPool(env, startTimeoutMs, spawnOptions);
    for (let slot = 0; slot < count; slot++) pool.workers.push(spawnWorker(slot, env, spawnOptions));
    try {
      await untilPolling(pool.workers, startTimeoutMs);
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  identities(): Set<string> {
    return new Set(this.workers.flatMap((w) => (w.identity === undefined ? [] : [w.identity])));
  }

  /** SIGKILL: no shutdown, no grace time; its running activities are lost mid-flight. */
  async kill(slot: number): Promise<WorkerProcess> {
    const worker = this.at(slot);
    worker.child.kill('SIGKILL');
    await exited(worker.child);
    return worker;
  }

  /** A new process in the slot, once it polls; `envChanges` apply to it alone. */
  async restart(slot: number, envChanges: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
    const worker = spawnWorker(slot, { ...this.env, ...envChanges }, this.spawnOptions);
    this.workers[slot] = worker;
    await untilPolling([worker], this.startTimeoutMs);
    return worker;
  }

  /** SIGTERM to every process still running, and waits for them to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        const done = exited(w.child);
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
        return done;
      }),
    );
  }

  private at(slot: number): WorkerProcess {
    const worker = this.workers[slot];
    if (worker === undefined) throw new Error(`no worker in slot ${slot}`);
    return worker;
  }
}
