import { log, proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { ClosedChild } from '../activities/workflow-activities';
import type { ChildBook } from './child-book';
import { failureMessage } from './failure-message';

/**
 * How often a parent describes the children an earlier run started, whose results it cannot
 * await: a child that was terminated or failed sends no message, and this is how it is counted.
 */
export const RECONCILE_EVERY_MS = 6 * 3_600_000;

/** After a failed reconciliation (Temporal unreachable), how long a parent waits before trying again. */
export const RECONCILE_RETRY_MS = 5 * 60_000;

/**
 * Children described per activity: a saga's final report is a few KiB, so a batch stays far below
 * Temporal's payload limits. More finishing children are taken in the next round, at once.
 */
const RECONCILE_BATCH = 20;

const { closedChildren } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/**
 * The inherited children (those that said they finished first) that have closed, by book key;
 * undefined when they could not be described now.
 */
export async function reconcileInherited(
  book: ChildBook,
  kind: ClosedChild['kind'],
): Promise<Array<ClosedChild & { key: string }> | undefined> {
  const first = book.finishing().slice(0, RECONCILE_BATCH);
  const ordered = [...first, ...book.inherited().filter((e) => !e.finishing)].slice(0, RECONCILE_BATCH);
  if (ordered.length === 0) return [];
  const byId = new Map(ordered.map((e) => [e.workflowId, e.key]));
  let closed: ClosedChild[];
  try {
    closed = await closedChildren({
      kind,
      workflowIds: [...byId.keys()],
      runIds: Object.fromEntries(ordered.flatMap((e) => (e.runId ? [[e.workflowId, e.runId]] : []))),
      finishing: first.map((e) => e.workflowId),
    });
  } catch (error) {
    // Temporal itself unreachable for minutes: try again later, never fail the parent for it.
    log.warn('could not reconcile children; trying again later', { error: failureMessage(error) });
    return undefined;
  }
  for (const entry of first) delete entry.finishing;
  return closed.flatMap((c) => {
    const key = byId.get(c.workflowId);
    return key === undefined ? [] : [{ ...c, key }];
  });
}

/**
 * When a parent (campaign or account) describes its inherited children: soon after one says it
 * finished, every RECONCILE_EVERY_MS in any case, and not again for RECONCILE_RETRY_MS after a
 * failed attempt.
 */
export class Reconciler {
  private next = Date.now() + RECONCILE_EVERY_MS;
  private blockedUntil = 0;

  constructor(
    private readonly book: ChildBook,
    private readonly kind: ClosedChild['kind'],
  ) {}

  due(): boolean {
    if (Date.now() < this.blockedUntil) return false;
    return this.book.finishing().length > 0 || (this.book.inherited().length > 0 && Date.now() >= this.next);
  }

  /** The inherited children found closed; none when they could not be described now. */
  async run(): Promise<Array<ClosedChild & { key: string }>> {
    this.next = Date.now() + RECONCILE_EVERY_MS;
    const found = await reconcileInherited(this.book, this.kind);
    if (found !== undefined) return found;
    this.blockedUntil = this.next = Date.now() + RECONCILE_RETRY_MS;
    return [];
  }

  /** How long a parent waiting for its children may sleep before the next scheduled look. */
  wakeInMs(): number | undefined {
    return this.book.inherited().length > 0 ? Math.max(1, this.next - Date.now()) : undefined;
  }
}
