import { z } from 'zod';

const sizeList = (name: string) =>
  z
    .string()
    .regex(/^\d+(,\d+)*$/, `${name} is a comma-separated list of account counts, like 10,50,100`)
    .transform((text) => text.split(',').map(Number))
    .refine(
      (sizes) => sizes.every((n) => n >= 1 && n <= 200),
      `${name}: each size must be from 1 to 200 accounts`,
    );

const BenchEnvSchema = z.object({
  KEYWARDEN_BENCH_RUNS: z
    .string()
    .regex(/^[1-9]\d*$/, 'KEYWARDEN_BENCH_RUNS is a whole number of runs per figure, like 3')
    .transform(Number)
    .default(3),
  KEYWARDEN_BENCH_SIZES: sizeList('KEYWARDEN_BENCH_SIZES').default([10, 50, 100]),
  KEYWARDEN_BENCH_ROTATION_SIZES: sizeList('KEYWARDEN_BENCH_ROTATION_SIZES').default([10, 100]),
});

export interface BenchSettings {
  runs: number;
  /** Member accounts of the containment figures. */
  sizes: number[];
  /** Member accounts of the rotation figures (the first and the last give the growth). */
  rotationSizes: number[];
  /** How long the emulator's ceiling is measured. */
  ceilingMs: number;
}

/** The settings from KEYWARDEN_BENCH_RUNS, KEYWARDEN_BENCH_SIZES and KEYWARDEN_BENCH_ROTATION_SIZES. */
export function benchSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const parsed = BenchEnvSchema.safeParse({
    KEYWARDEN_BENCH_RUNS: env.KEYWARDEN_BENCH_RUNS || undefined,
    KEYWARDEN_BENCH_SIZES: env.KEYWARDEN_BENCH_SIZES || undefined,
    KEYWARDEN_BENCH_ROTATION_SIZES: env.KEYWARDEN_BENCH_ROTATION_SIZES || undefined,
  });
  if (!parsed.success) throw new Error(`invalid benchmark settings:\n${z.prettifyError(parsed.error)}`);
  return {
    runs: parsed.data.KEYWARDEN_BENCH_RUNS,
    sizes: parsed.data.KEYWARDEN_BENCH_SIZES,
    rotationSizes: parsed.data.KEYWARDEN_BENCH_ROTATION_SIZES,
    ceilingMs: 10_000,
  };
}
