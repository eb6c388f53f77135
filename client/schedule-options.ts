import { z } from 'zod';
import { DURATION_HINT, durationSchema, durationToMs } from '../domain/duration';
import { UsageError } from './cli-error';

/** When a schedule fires: every fixed interval, or on a cron expression (Temporal's dialect). */
export type ScheduleTiming = { kind: 'interval'; everyMs: number } | { kind: 'cron'; expression: string };

export interface ScheduleCreateOptions {
  timing: ScheduleTiming;
  catchupWindowMs: number;
  paused: boolean;
  /** A dry run (inventory and report only) on every fire, whatever dryRun the spec says. */
  inventory: boolean;
}

export const DEFAULT_CATCHUP_WINDOW = '1d';
// Temporal ignores a catch-up window below 10 seconds and uses 10 seconds instead.
const MIN_CATCHUP_WINDOW_MS = 10_000;
const MIN_INTERVAL_MS = 60_000;

// The full grammar is Temporal's (5 to 7 fields, @daily, @every 1h, CRON_TZ=…): the server parses it
// when the schedule is created and refuses what it cannot read. This catches what is plainly not one.
const cronSchema = z
  .string()
  .trim()
  .min(1, 'is empty: give a cron expression, e.g. "0 6 * * MON" (every Monday at 06:00 UTC)')
  .max(256, 'is longer than 256 characters')
  .refine((text) => !/[\r\n]/.test(text), { message: 'must be one line' })
  .refine((text) => text.startsWith('@') || text.split(/\s+/).length >= 5, {
    message:
      'is not a cron expression: give 5 fields (minute hour day-of-month month day-of-week), e.g. "0 6 * * MON", or @daily, @weekly',
  });

const RawOptionsSchema = z.strictObject({
  every: z.string().optional(),
  cron: z.string().optional(),
  catchupWindow: z.string().default(DEFAULT_CATCHUP_WINDOW),
  paused: z.boolean().default(false),
  inventory: z.boolean().default(false),
});

export type RawScheduleCreateOptions = z.input<typeof RawOptionsSchema>;

const quoted = (value: string) => `"${value.slice(0, 64)}"`;

function cronExpression(value: string): string {
  const parsed = cronSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    `--cron ${quoted(value)} ${parsed.error.issues[0]?.message ?? 'is not a cron expression'}`,
  );
}

/** A duration in the spec's format, at least `minMs` long. */
function durationMs(flag: string, value: string, minMs: number, tooShort: string): number {
  if (!durationSchema.safeParse(value).success) {
    throw new UsageError(`${flag} ${quoted(value)} is not a duration: ${DURATION_HINT}`);
  }
  const ms = durationToMs(value);
  if (ms < minMs) throw new UsageError(`${flag} ${quoted(value)} ${tooShort}`);
  return ms;
}

/** The options of `schedule create`, checked before anything connects; every problem is a UsageError. */
export function parseScheduleCreateOptions(raw: RawScheduleCreateOptions): ScheduleCreateOptions {
  const shape = RawOptionsSchema.safeParse(raw);
  if (!shape.success) throw new UsageError(`bad schedule options: ${z.prettifyError(shape.error)}`);
  const opts = shape.data;
  if (opts.every !== undefined && opts.cron !== undefined) {
    throw new UsageError('give either --every or --cron, not both');
  }
  let timing: ScheduleTiming;
  if (opts.every !== undefined) {
    const everyMs = durationMs(
      '--every',
      opts.every,
      MIN_INTERVAL_MS,
      'is shorter than a minute: a campaign takes longer than that, give e.g. "90d" or "1d"',
    );
    timing = { kind: 'interval', everyMs };
  } else if (opts.cron !== undefined) {
    timing = { kind: 'cron', expression: cronExpression(opts.cron) };
  } else {
    throw new UsageError('say when the schedule runs: --every 90d, or --cron "0 6 * * MON"');
  }
  return {
    timing,
    catchupWindowMs: durationMs(
      '--catchup-window',
      opts.catchupWindow,
      MIN_CATCHUP_WINDOW_MS,
      'is shorter than Temporal\'s minimum of 10 seconds: give e.g. "1d" or "6h"',
    ),
    paused: opts.paused,
    inventory: opts.inventory,
  };
}
