import { z } from 'zod';

const LoadSchema = z.tuple([z.number(), z.number(), z.number()]);

export const ContainmentRunSchema = z.strictObject({
  seconds: z.number(),
  /** Member accounts whose leaver the emulator shows contained afterwards. */
  contained: z.int(),
  accounts: z.int(),
  bystandersTouched: z.int(),
  /** keywarden only: this client's wall time until `offboard --wait` returns. */
  wallSeconds: z.number().optional(),
  error: z.string().optional(),
});
export type ContainmentRun = z.infer<typeof ContainmentRunSchema>;

export const TOOLS = ['keywarden', 'c7nOrg', 'sdk'] as const;
export type Tool = (typeof TOOLS)[number];
export const TOOL_LABELS: Record<Tool, string> = {
  keywarden: 'keywarden offboarding, request to contained',
  c7nOrg: 'Cloud Custodian c7n-org (remove-keys + a deny-all managed policy, 8 processes)',
  sdk: 'plain SDK v3, 8 concurrent (assume role, list keys, deactivate, put deny policy)',
};

const StepTimesSchema = z.strictObject({ count: z.int(), queueMs: z.number(), runMs: z.number() });

/** Where a keywarden campaign's time went, from the histories of every workflow run it made. */
export const RotationProfileSchema = z.strictObject({
  workflowRuns: z.record(z.string(), z.int()),
  historyEvents: z.int(),
  workflowTasks: StepTimesSchema,
  activities: z.record(z.string(), StepTimesSchema.extend({ retries: z.int() })),
  signalsSent: z.int(),
});
export type RotationProfile = z.infer<typeof RotationProfileSchema>;
export type StepTimes = z.infer<typeof StepTimesSchema>;

const RotationRunSchema = z.strictObject({
  rotated: z.int(),
  seconds: z.number(),
  /** keywarden only: when the campaign's gate opened (the bench approves at once). */
  gateSeconds: z.number().optional(),
  profile: RotationProfileSchema.optional(),
});

export const BenchFiguresSchema = z.strictObject({
  generatedAt: z.string(),
  machine: z.strictObject({
    cpus: z.int(),
    cpuModel: z.string(),
    memoryGb: z.number(),
    platform: z.string(),
    node: z.string(),
    loadBefore: LoadSchema,
    loadAfter: LoadSchema,
  }),
  settings: z.strictObject({
    runs: z.int(),
    sizes: z.array(z.int()),
    rotationSizes: z.array(z.int()),
    usersPerAccount: z.int(),
    concurrency: z.int(),
    versions: z.record(z.string(), z.string()),
  }),
  emulatorCeilingCallsPerSecond: z.number(),
  containment: z.array(
    z.strictObject({
      accounts: z.int(),
      runs: z.strictObject({
        keywarden: z.array(ContainmentRunSchema),
        c7nOrg: z.array(ContainmentRunSchema),
        sdk: z.array(ContainmentRunSchema),
      }),
    }),
  ),
  rotation: z.array(
    z.strictObject({
      accounts: z.int(),
      keywarden: z.array(RotationRunSchema),
      sdk: z.array(RotationRunSchema),
    }),
  ),
});
export type BenchFigures = z.infer<typeof BenchFiguresSchema>;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Whether every run of every tool left every member account's leaver contained, and no one else touched. */
export function everyoneContained(figures: BenchFigures): boolean {
  return figures.containment.every((size) =>
    TOOLS.every((tool) =>
      size.runs[tool].every(
        (run) => run.error === undefined && run.contained === run.accounts && run.bystandersTouched === 0,
      ),
    ),
  );
}
