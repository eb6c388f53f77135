import { z } from 'zod';

/** The simulation's knobs, from the environment; every one has the default of the full run. */
const SimEnvSchema = z.object({
  KEYWARDEN_SCALE_SIM_ACCOUNTS: z.coerce
    .number({ error: 'KEYWARDEN_SCALE_SIM_ACCOUNTS is a number of accounts, e.g. 200' })
    .int()
    .min(2)
    .max(50_000)
    .default(10_000),
  KEYWARDEN_SCALE_SIM_CAMPAIGN_ACCOUNTS: z.coerce
    .number({ error: 'KEYWARDEN_SCALE_SIM_CAMPAIGN_ACCOUNTS is a number of accounts, e.g. 200' })
    .int()
    .min(0)
    .max(50_000)
    .optional(),
  // The committed run's worker, as docker-compose.yml and the Dockerfile run one: a cache that
  // holds the campaign's working set before the gate, a heap for it, small semi-spaces, two arenas.
  KEYWARDEN_SCALE_SIM_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(150),
  KEYWARDEN_SCALE_SIM_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  KEYWARDEN_SCALE_SIM_WORKER_HEAP_MB: z.coerce
    .number({ error: 'KEYWARDEN_SCALE_SIM_WORKER_HEAP_MB is megabytes of V8 heap for the worker, e.g. 384' })
    .int()
    .min(128)
    .default(192),
  KEYWARDEN_SCALE_SIM_WORKER_SEMI_SPACE_MB: z.coerce
    .number({
      error:
        'KEYWARDEN_SCALE_SIM_WORKER_SEMI_SPACE_MB is megabytes per V8 semi-space (young generation), e.g. 4',
    })
    .int()
    .min(1)
    .max(64)
    .default(4),
  KEYWARDEN_SCALE_SIM_WORKER_MALLOC_ARENA_MAX: z.coerce
    .number({ error: "KEYWARDEN_SCALE_SIM_WORKER_MALLOC_ARENA_MAX is the C allocator's arena count, e.g. 2" })
    .int()
    .min(1)
    .max(64)
    .default(2),
  KEYWARDEN_SCALE_SIM_USERS: z.coerce
    .number({ error: 'KEYWARDEN_SCALE_SIM_USERS is the number of rotating users per account, e.g. 2' })
    .int()
    .min(1)
    .max(50)
    .default(2),
  KEYWARDEN_SCALE_SIM_KEYED_ACCOUNT_EVERY: z.coerce
    .number({
      error:
        'KEYWARDEN_SCALE_SIM_KEYED_ACCOUNT_EVERY is N in "one campaign account in N holds keys", e.g. 10',
    })
    .int()
    .min(1)
    .default(10),
  KEYWARDEN_SCALE_SIM_LATENCY_MS: z
    .string()
    .regex(/^\d+-\d+$/, 'KEYWARDEN_SCALE_SIM_LATENCY_MS is a range of milliseconds per AWS call, e.g. 50-150')
    .default('50-150'),
  KEYWARDEN_SCALE_SIM_ACCOUNTS_IN_FLIGHT: z.coerce.number().int().min(1).max(200).default(50),
  KEYWARDEN_SCALE_SIM_CAMPAIGN_ACCOUNTS_PER_SHARD: z.coerce.number().int().min(2).max(2000).default(250),
  KEYWARDEN_SCALE_SIM_WORKFLOWS_ON_MAIN_THREAD: z.enum(['0', '1']).default('0'),
  KEYWARDEN_SCALE_SIM_OUTPUT: z.string().min(1).optional(),
});

export interface SimConfig {
  /** Accounts in the organization: the offboarding searches them all. */
  accounts: number;
  /** Accounts the campaign rotates (0: no campaign); all of them unless set apart. */
  campaignAccounts: number;
  /** The worker's workflow cache. */
  maxCachedWorkflows: number;
  /** Workflow tasks the worker takes at once; undefined: keywarden's default. */
  maxConcurrentWorkflowTasks?: number;
  usersPerAccount: number;
  /**
   * One campaign account in this many holds the rotating users; the others hold no access key
   * (as accounts reached only through single sign-on). 1: every account.
   */
  keyedAccountEvery: number;
  latency: { minMs: number; maxMs: number };
  accountsInFlight: number;
  keysInFlightPerAccount: number;
  /** Campaign history bound: accounts per campaign run before it continues as new. */
  continueAsNewAfterAccounts: number;
  /** Campaign sharding: above this many accounts, shards of this many. */
  campaignAccountsPerShard: number;
  /** Offboarding sharding: shard above this many accounts, this many per shard. */
  sharding: { aboveAccounts: number; accountsPerShard: number };
  /** The worker's V8 heap limit (--max-old-space-size), as a container's memory limit would set it. */
  workerHeapMb: number;
  /**
   * The worker's V8 semi-space limit (--max-semi-space-size); each thread's young generation is
   * three of them (V8's default: 16 MiB on 64-bit).
   */
  workerSemiSpaceMb: number;
  /** MALLOC_ARENA_MAX for the worker (glibc's default: 8 per core). */
  workerMallocArenaMax: number;
  /** Workflows on the worker's main thread (a diagnostic: the heap figures then include them). */
  workflowsOnMainThread: boolean;
  /** Where the figures are written; undefined: printed only. */
  output?: string;
}

/** The campaign's accounts that hold keys: the first, then one in keyedAccountEvery. */
export function keyedCampaignAccounts(config: SimConfig): number {
  return Math.ceil(config.campaignAccounts / config.keyedAccountEvery);
}

/** The users a campaign over this config rotates: those of its keyed accounts. */
export function expectedRotations(config: SimConfig): number {
  return keyedCampaignAccounts(config) * config.usersPerAccount;
}

export function simConfigFromEnv(env: NodeJS.ProcessEnv, defaultOutput: string): SimConfig {
  const parsed = SimEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`bad simulation settings:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const [minMs, maxMs] = e.KEYWARDEN_SCALE_SIM_LATENCY_MS.split('-').map(Number) as [number, number];
  if (minMs > maxMs)
    throw new Error('KEYWARDEN_SCALE_SIM_LATENCY_MS: the first number is the smaller, e.g. 50-150');
  return {
    accounts: e.KEYWARDEN_SCALE_SIM_ACCOUNTS,
    campaignAccounts: Math.min(
      e.KEYWARDEN_SCALE_SIM_CAMPAIGN_ACCOUNTS ?? e.KEYWARDEN_SCALE_SIM_ACCOUNTS,
      e.KEYWARDEN_SCALE_SIM_ACCOUNTS,
    ),
    workerHeapMb: e.KEYWARDEN_SCALE_SIM_WORKER_HEAP_MB,
    workerSemiSpaceMb: e.KEYWARDEN_SCALE_SIM_WORKER_SEMI_SPACE_MB,
    workerMallocArenaMax: e.KEYWARDEN_SCALE_SIM_WORKER_MALLOC_ARENA_MAX,
    maxCachedWorkflows: e.KEYWARDEN_SCALE_SIM_MAX_CACHED_WORKFLOWS,
    ...(e.KEYWARDEN_SCALE_SIM_MAX_WORKFLOW_TASKS === undefined
      ? {}
      : { maxConcurrentWorkflowTasks: e.KEYWARDEN_SCALE_SIM_MAX_WORKFLOW_TASKS }),
    usersPerAccount: e.KEYWARDEN_SCALE_SIM_USERS,
    keyedAccountEvery: e.KEYWARDEN_SCALE_SIM_KEYED_ACCOUNT_EVERY,
    latency: { minMs, maxMs },
    accountsInFlight: e.KEYWARDEN_SCALE_SIM_ACCOUNTS_IN_FLIGHT,
    keysInFlightPerAccount: 5,
    continueAsNewAfterAccounts: 500,
    campaignAccountsPerShard: e.KEYWARDEN_SCALE_SIM_CAMPAIGN_ACCOUNTS_PER_SHARD,
    sharding: { aboveAccounts: 1000, accountsPerShard: 500 },
    workflowsOnMainThread: e.KEYWARDEN_SCALE_SIM_WORKFLOWS_ON_MAIN_THREAD === '1',
    output: e.KEYWARDEN_SCALE_SIM_OUTPUT ?? defaultOutput,
  };
}
