import type { ProgressSnapshot } from './progress-snapshot';

/** 45s, 3m05s, 2h03m, 1d04h: coarse enough to read at a glance. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

const ended = (s: ProgressSnapshot) => s.executionStatus !== 'RUNNING';

/** "rotating for 3m05s"; "at least" when the watcher, not the history, saw the phase begin. */
export function phaseText(s: ProgressSnapshot, now: Date): string {
  if (ended(s) || s.phaseSince === undefined) return `phase ${s.phase}`;
  const time = formatDuration(now.getTime() - s.phaseSince.at.getTime());
  return `phase ${s.phase} for ${s.phaseSince.approximate ? 'at least ' : ''}${time}`;
}

export function accountsText(s: ProgressSnapshot): string | undefined {
  return s.accounts === undefined ? undefined : `accounts ${s.accounts.done}/${s.accounts.total} done`;
}

export function usersText(s: ProgressSnapshot): string {
  return s.users.length === 0
    ? 'users: none yet'
    : `users: ${s.users.map((u) => `${u.count} ${u.outcome}`).join(', ')}`;
}

function parts(s: ProgressSnapshot, phase: string): string[] {
  const status = ended(s) ? [`ended ${s.executionStatus.toLowerCase()}`] : [];
  return [s.workflowId, ...status, phase, accountsText(s), usersText(s)].filter(
    (part): part is string => part !== undefined,
  );
}

/** One plain line, no escape codes: what `status --watch` prints when stdout is not a terminal. */
export function progressLine(s: ProgressSnapshot, now: Date): string {
  return parts(s, phaseText(s, now)).join(' | ');
}

/** The line without the ticking time: a new plain line is printed only when this changes. */
export function progressKey(s: ProgressSnapshot): string {
  return parts(s, `phase ${s.phase}`).join(' | ');
}
