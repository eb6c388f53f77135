/** Request IDs remembered at once; past this, new requests are refused until old IDs expire. */
export const DEFAULT_REPLAY_CAPACITY = 100_000;

/** How often expired IDs are swept out, at most (they are also swept whenever the store is full). */
const SWEEP_INTERVAL_MS = 10_000;

export type ClaimResult =
  { outcome: 'fresh' } | { outcome: 'replay' } | { outcome: 'full'; retryAfterSeconds: number };

/**
 * Remembers the request IDs of authenticated requests until their timestamp falls outside the
 * clock-skew window (after that the signature check refuses them anyway), so a request can be
 * used once. Memory is bounded: when `capacity` IDs are live, new requests are refused ('full')
 * rather than forgetting a live ID, which would reopen the replay.
 */
export class ReplayGuard {
  private readonly expiries = new Map<string, number>();
  private nextSweepAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly capacity = DEFAULT_REPLAY_CAPACITY,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  /** Claims `requestId`, signed at `timestampSeconds`: fresh the first time, replay after. */
  claim(requestId: string, timestampSeconds: number, nowMs: number): ClaimResult {
    const known = this.expiries.get(requestId);
    if (known !== undefined && known >= nowMs) return { outcome: 'replay' };
    if (nowMs >= this.nextSweepAt || this.expiries.size >= this.capacity) this.sweep(nowMs);
    if (this.expiries.size >= this.capacity) {
      let soonest = Infinity;
      for (const expiresAt of this.expiries.values()) soonest = Math.min(soonest, expiresAt);
      return { outcome: 'full', retryAfterSeconds: Math.max(1, Math.ceil((soonest - nowMs) / 1000)) };
    }
    this.expiries.set(requestId, timestampSeconds * 1000 + this.windowMs);
    return { outcome: 'fresh' };
  }

  /** Forgets a claim, so that the same signed request may be sent again (after a server-side failure). */
  release(requestId: string): void {
    this.expiries.delete(requestId);
  }

  private sweep(nowMs: number): void {
    for (const [id, expiresAt] of this.expiries) if (expiresAt < nowMs) this.expiries.delete(id);
    this.nextSweepAt = nowMs + SWEEP_INTERVAL_MS;
  }
}
