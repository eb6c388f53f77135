import type { CarriedChild } from '../domain/campaign-input';

/**
 * A parent's record of its children (a campaign's accounts, an account's sagas): which of them
 * do AWS work now (and so hold a slot), which only sleep, which wait for a decision, and which
 * were started by an earlier run of the parent (before a continue-as-new), whose results this
 * run cannot await. Plain data, carried across continue-as-new.
 */

export type ChildState = CarriedChild['state'];
/** With 'awaiting': `awaitingKey` is what a saga asks to delete, `usersWaiting` how many users an account holds there. */
export type ChildEntry = CarriedChild;

/**
 * Free slots are filled with children started together, in one workflow task, not one task each:
 * started one after another, a campaign under load started about one account every 3 s. Runs
 * from before replay their one-by-one starts.
 */
export const CONCURRENT_CHILD_STARTS = 'concurrent-child-starts';

export class ChildBook {
  private readonly entries = new Map<string, ChildEntry>();
  /** Children this run started: their results are awaited, so their messages never finish them. */
  private readonly ownRun = new Set<string>();

  constructor(carried: readonly ChildEntry[] = []) {
    for (const entry of carried) this.entries.set(entry.key, { ...entry });
  }

  /** Records a child as working before it is started, so no message from it can be missed. */
  add(key: string, workflowId: string): void {
    this.entries.set(key, { key, workflowId, state: 'working' });
    this.ownRun.add(key);
  }

  /** Records the run a child was started as, so messages and reconciliation reach that run only. */
  started(key: string, runId: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.runId = runId;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): ChildEntry | undefined {
    return this.entries.get(key);
  }

  isOwn(key: string): boolean {
    return this.ownRun.has(key);
  }

  set(
    key: string,
    state: ChildState,
    extra: Pick<ChildEntry, 'awaitingKey' | 'usersWaiting' | 'accountsWaiting' | 'planDigest'> = {},
  ): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.state = state;
    delete entry.awaitingKey;
    delete entry.usersWaiting;
    delete entry.accountsWaiting;
    delete entry.planDigest;
    Object.assign(entry, extra);
  }

  /**
   * True when a progress message numbered `seq` is newer than the last one applied for `key`
   * (and records it). Temporal does not order signals sent by separate commands, so an older
   * message may arrive after a newer one and must not undo it.
   */
  fresh(key: string, seq: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || (entry.seq !== undefined && seq <= entry.seq)) return false;
    entry.seq = seq;
    return true;
  }

  /** Removes a finished child; false when it was not (or no longer) in the book. */
  finish(key: string): boolean {
    this.ownRun.delete(key);
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  count(state: ChildState): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.state === state) n++;
    return n;
  }

  inState(state: ChildState): ChildEntry[] {
    return [...this.entries.values()].filter((e) => e.state === state);
  }

  /** Every unfinished child waits for the decision. */
  allAwaiting(): boolean {
    return this.entries.size > 0 && this.count('awaiting') === this.entries.size;
  }

  /**
   * Marks a child that said it finished. This run awaits the result of its own children; the mark
   * is carried across continue-as-new, where that result is lost and a reconciliation takes over.
   */
  markFinishing(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.finishing = true;
  }

  /** Inherited children that said they finished: the next reconciliation looks at them first. */
  finishing(): ChildEntry[] {
    return this.inherited().filter((e) => e.finishing === true);
  }

  inherited(): ChildEntry[] {
    return [...this.entries.values()].filter((e) => !this.ownRun.has(e.key));
  }

  snapshot(): ChildEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /** A number that changes whenever the book does, for `condition` to wait on. */
  version(): string {
    return `${this.entries.size}:${this.count('working')}:${this.count('awaiting')}:${this.finishing().length}`;
  }
}

/**
 * A message to a child that may have closed already (finished, or terminated by an operator):
 * its result or the next reconciliation tells the parent what happened, so a refused send is
 * not an error that may fail the parent's workflow task.
 */
export function quietly(send: Promise<void>): Promise<void> {
  return send.catch(() => undefined);
}
