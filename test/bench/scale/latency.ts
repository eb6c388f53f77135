import { setTimeout as sleep } from 'node:timers/promises';

/**
 * AWS calls each scripted activity stands for (the real activity's calls, roughly): each sleeps a
 * latency drawn from the range, one after another, before the scripted answer.
 */
const AWS_CALLS: Record<string, number> = {
  listAccountsInScope: 2,
  inventoryPage: 4,
  inspectUserKeys: 2,
  createAndStageKey: 4,
  verifyStagedKey: 2,
  promoteStagedKey: 2,
  getKeyLastUsed: 1,
  setAccessKeyStatus: 2,
  deleteAccessKey: 2,
  discardNewKey: 2,
  findMatchingUsers: 3,
  containUser: 6,
  restoreUser: 6,
  purgeStep: 2,
};

export interface LatencyRange {
  minMs: number;
  maxMs: number;
}

/** Wraps every scripted activity so it takes as long as its AWS calls would. */
export function withAwsLatency<T extends object>(activities: T, range: LatencyRange): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    if (typeof fn !== 'function') continue;
    const calls = AWS_CALLS[name] ?? 1;
    wrapped[name] = async (...args: unknown[]): Promise<unknown> => {
      for (let i = 0; i < calls; i++) await sleep(range.minMs + Math.random() * (range.maxMs - range.minMs));
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return wrapped as T;
}
