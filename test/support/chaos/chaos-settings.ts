import type { ChaosSettings } from './chaos-run';

type Preset = Omit<ChaosSettings, 'log'>;

/** The fault mix: 10% throttling, 5% 500/503, and connection resets. */
const RATES = { throttling: 0.1, serverError: 0.05, connectionReset: 0.03 };

/** `npm run chaos`: the full figures. */
export const FULL_CHAOS: Preset = {
  mode: 'full',
  accounts: 20,
  minKills: 10,
  maxKills: 20,
  blackoutMs: 30_000,
  blackoutAfterRequests: 1_500,
  seed: 20261129,
  rates: RATES,
  windows: { adoption: '60s', grace: '30s' },
  killIntervalMs: [5_000, 20_000],
  // Too short for a random kill to land in: the killer kills inside each once (see activity-hold).
  holdTypes: [
    'approverRegistry',
    'containLeaverInAccounts',
    // The per-account fallback: runs only for an account its batch could not search (injected throttling).
    'containLeaverInAccount',
    'containUser',
    'deleteAccessKey',
    'findMatchingUsers',
    'listAccountsInScope',
    'purgeStep',
    'readLeaverCredentials',
    // Called only at the end of a key's adoption window, a few times a run: a random kill missed it.
    'setAccessKeyStatus',
  ],
};

/**
 * The version in `npm test`: small enough for a few minutes on a loaded 2-core machine. It
 * asserts fewer kills and a shorter blackout, and only that kills cut activities mid-flight,
 * not that every activity type was cut.
 */
export const SHORT_CHAOS: Preset = {
  mode: 'short',
  accounts: 3,
  minKills: 4,
  maxKills: 4,
  blackoutMs: 5_000,
  blackoutAfterRequests: 200,
  seed: 7,
  rates: RATES,
  windows: { adoption: '10s', grace: '5s' },
  killIntervalMs: [2_000, 6_000],
  holdTypes: [],
};
