import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { WorkerPool } from '../worker-processes';
import { HOLD_MARKER } from './hold-protocol';

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
  /** It stops killing at random after this many. */
  maxKills: number;
  /**
   * Activity types too short for a random kill to land in: the workers (preloaded with
   * activity-hold) hold the process when one starts, and the killer kills it then, once per type.
   * These kills come on top of `maxKills`.
   */
  hold?: { types: readonly string[]; file: string };
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
  /** The kill in progress, if any: one at a time. */
  private killing: Promise<void> | undefined;
  private randomKills = 0;

  constructor(private readonly opts: KillerOptions) {
    this.writeHoldFile();
  }

  /** A worker's output line: a held worker says which activity it is inside, and is killed now. */
  onWorkerLine(slot: number, line: string): void {
    const type = HOLD_MARKER.exec(line)?.[1];
    if (type === undefined || this.stopped || this.killing !== undefined) return;
    if (this.interruptedTypes().has(type)) return;
    void this.serialized(() => this.killAndRestart(slot, [type]));
  }

  interruptedTypes(): Set<string> {
    return new Set(this.kills.flatMap((k) => k.interrupted));
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops after the kill in progress (its process restarted). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.writeHoldFile();
    await this.loop;
    await this.killing;
  }

  private writeHoldFile(): void {
    const hold = this.opts.hold;
    if (hold === undefined) return;
    const covered = this.interruptedTypes();
    const types = this.stopped ? [] : hold.types.filter((t) => !covered.has(t));
    writeFileSync(hold.file, types.join(','));
  }

  private async serialized(kill: () => Promise<void>): Promise<void> {
    while (this.killing !== undefined) await this.killing;
    this.killing = kill().finally(() => {
      this.killing = undefined;
    });
    await this.killing;
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.randomKills < this.opts.maxKills) {
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
      const slot = victim;
      this.randomKills++;
      await this.serialized(() => this.killAndRestart(slot));
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

  /** `inside`: activity types the process said it was running (held) when it was killed. */
  private async killAndRestart(slot: number, inside: readonly string[] = []): Promise<void> {
    const killed = await this.opts.pool.kill(slot);
    const at = new Date().toISOString();
    const identity = killed.identity ?? '';
    const seen = (await runningActivities(this.opts.client, this.opts.taskQueue).catch(() => []))
      .filter((a) => a.workerIdentity === identity)
      .map((a) => a.activityType);
    const interrupted = [...inside, ...seen.filter((t) => !inside.includes(t))];
    this.kills.push({ at, slot, identity, interrupted, restartMs: 0 });
    this.writeHoldFile();
    const started = Date.now();
    await this.opts.pool.restart(slot);
    const record = this.kills.at(-1) as KillRecord;
    record.restartMs = Date.now() - started;
    this.opts.log(
      `kill ${this.kills.length}: worker ${slot} (${identity}) with ${interrupted.length ? interrupted.join(', ') : 'no activity'} in flight${inside.length ? ' (held)' : ''}; back in ${record.restartMs} ms`,
    );
  }
}
