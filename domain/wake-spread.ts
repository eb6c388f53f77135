/** The most an adoption window is lengthened to spread the sagas' wake-ups. */
const MAX_SPREAD_MS = 3_600_000;

/** FNV-1a, 32 bits: a stable, well-spread number from a string, without Node's crypto. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * How much longer than its adoption window one user's saga waits: up to 1% of the window, at
 * most an hour, the same for the same user every time. Sagas a campaign starts together would
 * otherwise all wake at the same instant (thousands of workflow tasks at once on one worker);
 * waiting longer only gives the owner more time, never less.
 */
export function adoptionSpreadMs(windowMs: number, accountId: string, userName: string): number {
  const bound = Math.min(MAX_SPREAD_MS, Math.floor(windowMs / 100));
  return bound <= 0 ? 0 : fnv1a(`${accountId}/${userName}`) % (bound + 1);
}
