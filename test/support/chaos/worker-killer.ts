import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { setTimeout as delay } from 'node:timers/promises';
import type { WorkerPool } from '../worker-processes';

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/** An activity some worker has started and not finished, as the server sees it. */
interface RunningActivity {
  activityType: string;
  workerIdentity: string;
}

export interface KillRecord {
  at: string;
  slot: number;
  identity: string;
  /** Activities still held by the killed process after it died: they were cut mid-flight. */
  interrupted: string[];
  restartMs: number;
}

/** Activities in flight on the task queue, read by describing its open workflows. */
export async function runningActivities(client: Client, taskQueue: string): Promise<RunningActivity[]> {
  const running: RunningActivity[] = [];
  const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query })) {
    const described = await client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .describe()
      .catch(() => undefined);
    for (const pending of described?.raw.pendingActivities ?? []) {
      if (pending.state !== STARTED) continue;
      running.push({
        activityType: pending.activityType?.name ?? 'unknown',
        workerIdentity: pending.lastWorkerIdentity ?? '',
      });
    }
  }
  return running;
}

export interface KillerOptions {
  client: Client;
  pool: WorkerPool;
  taskQueue: string;
  random: () => number;
  /** Between kills: a random pause in [min, max] ms, after the previous process polls again. */
  intervalMs: readonly [number, number];
  /** It stops killing after this many. */
  maxKills: number;
  log: (line: string) => void;
}

/**
 * Kills one worker process at a time with SIGKILL and starts a new one in its place. At each
 * moment it prefers a process that runs an activity type not interrupted yet, so every type gets
 * its turn; failing that, a random process.
 */
export class WorkerKiller {
  readonly kills: KillRecord[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: KillerOptions) {}

  interruptedTypes(): Set<string> {
    return new Set(this.kills.flatMap((k) => k.interrupted));
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops after the kill in progress (its process restarted). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.kills.length < this.opts.maxKills) {
      const [min, max] = this.opts.intervalMs;
      const until = Date.now() + min + this.opts.random() * (max - min);
      let victim: number | undefined;
      while (!this.stopped && victim === undefined) {
        victim = await this.uncoveredVictim();
        if (victim === undefined && Date.now() >= until) {
          victim = Math.floor(this.opts.random() * this.opts.pool.workers.length);
        }
        if (victim === undefined) await delay(500);
      }
      if (victim === undefined) return;
      await this.killAndRestart(victim);
    }
  }

  private async uncoveredVictim(): Promise<number | undefined> {
    const covered = this.interruptedTypes();
    const running = await runningActivities(this.opts.client, this.opts.taskQueue).catch(() => []);
    const fresh = running.find((a) => !covered.has(a.activityType));
    if (fresh === undefined) return undefined;
    const worker = this.opts.pool.workers.find((w) => w.identity === fresh.workerIdentity);
    return worker?.slot;
  }

  private async killAndRestart(slot: number): Promise<void> {
    const killed = await this.opts.pool.kill(slot);
    const at = new Date().toISOString();
    const identity = killed.identity ?? '';
    const interrupted = (await runningActivities(this.opts.client, this.opts.taskQueue).catch(() => []))
      .filter((a) => a.workerIdentity === identity)
      .map((a) => a.activityType);
    const started = Date.now();
    await this.opts.pool.restart(slot);
    const record: KillRecord = { at, slot, identity, interrupted, restartMs: Date.now() - started };
    this.kills.push(record);
    this.opts.log(
      `kill ${this.kills.length}: worker ${slot} (${identity}) with ${interrupted.length ? interrupted.join(', ') : 'no activity'} in flight; back in ${record.restartMs} ms`,
    );
  }
}
