import { condition, log, proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { ChildBook } from './child-book';
import { failureMessage } from './failure-message';
import { judgeMessage, type MessageOf } from './judged';

/**
 * Progress signals are hints. Anyone who may signal the namespace can send one, so a parent never
 * counts slots or opens a gate on a signal's word: it asks the child itself (a query, through an
 * activity) and acts on that answer. Hints that arrive together are confirmed together.
 */
export const PROGRESS_CONFIRMED = 'progress-confirmed-by-query';

/** Children asked per activity. */
const BATCH = 50;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;

const { childProgress } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

export class ProgressConfirmer<K extends 'KeyProgressSchema' | 'AccountProgressSchema'> {
  private readonly hinted = new Set<string>();
  private loop: Promise<void> | undefined;
  private draining = false;

  /**
   * @param useRunId  ask the run the book recorded (sagas: their IDs are reused by later rotations),
   *   or the latest run (accounts: their runs continue as new under one campaign-unique ID)
   * @param apply  what the parent does with a child's own answer, as it once did with the signal
   */
  constructor(
    private readonly book: ChildBook,
    private readonly schema: K,
    private readonly useRunId: boolean,
    private readonly apply: (key: string, progress: MessageOf<K>) => void,
  ) {}

  /** A child (by book key) says its stage changed: ask it. Unknown keys are ignored. */
  hint(key: string): void {
    if (!this.book.has(key)) return;
    this.hinted.add(key);
    if (this.loop === undefined && !this.draining) {
      this.loop = this.run().finally(() => {
        this.loop = undefined;
      });
    }
  }

  /** Hints not confirmed yet, to carry across continue-as-new. */
  pending(): string[] {
    return [...this.hinted];
  }

  /** Stops after the batch in flight and waits for it; what is left stays in pending(). */
  async settle(): Promise<void> {
    this.draining = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    while (this.hinted.size > 0 && !this.draining) {
      const keys = [...this.hinted].slice(0, BATCH).filter((key) => this.book.has(key));
      for (const key of [...this.hinted].slice(0, BATCH)) this.hinted.delete(key);
      if (keys.length === 0) continue;
      const unreachable = await this.confirm(keys);
      if (unreachable.length === 0) {
        retryMs = FIRST_RETRY_MS;
        continue;
      }
      for (const key of unreachable) this.hinted.add(key);
      await condition(() => this.draining, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }

  /** Applies what the children answered; returns the keys to ask again later. */
  private async confirm(keys: string[]): Promise<string[]> {
    const byId = new Map<string, string>();
    const children = keys.flatMap((key) => {
      const entry = this.book.get(key);
      if (entry === undefined) return [];
      byId.set(entry.workflowId, key);
      return [
        { workflowId: entry.workflowId, ...(this.useRunId && entry.runId ? { runId: entry.runId } : {}) },
      ];
    });
    let answers;
    try {
      answers = await childProgress({ children });
    } catch (error) {
      log.warn('could not ask children for their progress; asking again later', {
        error: failureMessage(error),
      });
      return keys;
    }
    const again: string[] = [];
    for (const answer of answers) {
      const key = byId.get(answer.workflowId);
      if (key === undefined || !this.book.has(key)) continue;
      if (answer.outcome === 'unreachable') again.push(key);
      if (answer.outcome !== 'answered' || answer.progress === null) continue;
      const parsed = judgeMessage(this.schema, answer.progress);
      if (parsed.success) this.apply(key, parsed.data);
      else
        log.warn('a child answered its progress query with a malformed message', {
          workflowId: answer.workflowId,
        });
    }
    return again;
  }
}
