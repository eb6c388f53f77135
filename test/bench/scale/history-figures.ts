import type { Client } from '@temporalio/client';

export interface LargestHistory {
  workflowId: string;
  runId: string;
  type: string;
  events: number;
  bytes: number;
}

export interface HistoryFigures {
  workflows: number;
  continuedAsNew: number;
  byType: Record<string, number>;
  mostEvents: LargestHistory;
  mostBytes: LargestHistory;
}

/** Workflows described at once: enough to be quick, few enough not to starve the server. */
const DESCRIBE_CONCURRENCY = 16;

/**
 * Every run in the namespace (the visibility API lists each run of a continued-as-new workflow
 * apart), each described for its history length and size, as the server counts them.
 */
export async function historyFigures(client: Client): Promise<HistoryFigures> {
  const runs: { workflowId: string; runId: string; type: string; status: string }[] = [];
  for await (const w of client.workflow.list()) {
    runs.push({ workflowId: w.workflowId, runId: w.runId, type: w.type, status: w.status.name });
  }
  const empty: LargestHistory = { workflowId: '', runId: '', type: '', events: 0, bytes: 0 };
  let mostEvents = empty;
  let mostBytes = empty;
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < runs.length; i = next++) {
      const run = runs[i]!;
      const d = await client.workflow.getHandle(run.workflowId, run.runId).describe();
      const found: LargestHistory = {
        workflowId: run.workflowId,
        runId: run.runId,
        type: run.type,
        events: d.historyLength,
        bytes: d.historySize ?? 0,
      };
      if (found.events > mostEvents.events) mostEvents = found;
      if (found.bytes > mostBytes.bytes) mostBytes = found;
    }
  };
  await Promise.all(Array.from({ length: DESCRIBE_CONCURRENCY }, lane));
  const byType: Record<string, number> = {};
  for (const r of runs) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    workflows: runs.length,
    continuedAsNew: runs.filter((r) => r.status === 'CONTINUED_AS_NEW').length,
    byType,
    mostEvents,
    mostBytes,
  };
}

/** Samples the pending children of the workflows that fan out, while they run. */
export class PendingChildrenSampler {
  private peak = { workflowId: '', pendingChildren: 0 };
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private shardTurn = 0;

  constructor(
    private readonly client: Client,
    private readonly workflowIds: () => string[],
    private readonly everyMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  stop(): { workflowId: string; pendingChildren: number; samples: number } {
    if (this.timer) clearInterval(this.timer);
    return { ...this.peak, samples: this.samples };
  }

  private async running(kind: 'account-rotation' | 'campaign-shard', most: number): Promise<string[]> {
    const ids: string[] = [];
    for await (const w of this.client.workflow.list({
      query: `ExecutionStatus = "Running" AND KeywardenKind = "${kind}"`,
      pageSize: Math.min(most, 100),
    })) {
      ids.push(w.workflowId);
      if (ids.length >= most) break;
    }
    return ids;
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Besides the named parents, a few running account workflows (each one's sagas are its
      // children) and, in turn, ten of the running campaign shards (each one's accounts are).
      const ids = [...this.workflowIds()];
      ids.push(...(await this.running('account-rotation', 10)));
      const shards = await this.running('campaign-shard', 1000);
      for (let i = 0; i < Math.min(10, shards.length); i++) {
        ids.push(shards[(this.shardTurn + i) % shards.length] as string);
      }
      this.shardTurn += 10;
      for (const id of ids) {
        const d = await this.client.workflow
          .getHandle(id)
          .describe()
          .catch(() => undefined);
        if (d === undefined || d.status.name !== 'RUNNING') continue;
        const pending = d.raw.pendingChildren?.length ?? 0;
        this.samples++;
        if (pending > this.peak.pendingChildren) this.peak = { workflowId: id, pendingChildren: pending };
      }
    } finally {
      this.busy = false;
    }
  }
}
