import { proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { ClosedChild } from '../activities/workflow-activities';
import type { ChildBook } from './child-book';

/**
 * How often a parent describes the children an earlier run started, whose results it cannot
 * await: a child that was terminated or failed sends no message, and this is how it is counted.
 */
export const RECONCILE_EVERY_MS = 6 * 3_600_000;

const { closedChildren } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** The inherited children (those that said they finished first) that have closed, by book key. */
export async function reconcileInherited(
  book: ChildBook,
  kind: ClosedChild['kind'],
): Promise<Array<ClosedChild & { key: string }>> {
  const first = book.finishing();
  const ordered = [...first, ...book.inherited().filter((e) => !e.finishing)].slice(0, 200);
  for (const entry of first) delete entry.finishing;
  if (ordered.length === 0) return [];
  const byId = new Map(ordered.map((e) => [e.workflowId, e.key]));
  const closed = await closedChildren({
    kind,
    workflowIds: [...byId.keys()],
    finishing: first.map((e) => e.workflowId),
  });
  return closed.flatMap((c) => {
    const key = byId.get(c.workflowId);
    return key === undefined ? [] : [{ ...c, key }];
  });
}
