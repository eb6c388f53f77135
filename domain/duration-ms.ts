const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

const DURATION_PATTERN = /^([1-9][0-9]*)(ms|s|m|h|d)$/;

export const DURATION_HINT = 'use a number followed by ms, s, m, h or d, e.g. "7d" or "2s"';

/** The duration in milliseconds, or undefined when `text` is not one. */
export function durationMsOf(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  const ms = amount * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function durationToMs(text: string): number {
  const ms = durationMsOf(text);
  if (ms === undefined) throw new Error(`invalid duration "${text.slice(0, 32)}": ${DURATION_HINT}`);
  return ms;
}
