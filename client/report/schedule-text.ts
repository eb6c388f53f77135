import type { ScheduleDetails, ScheduleOverview } from '../schedule-client';
import type { ScheduleTiming } from '../schedule-options';

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** Milliseconds in the spec's duration format, in the largest unit that divides them: 90d, 36h, 1500ms. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function timingText(timing: ScheduleTiming): string {
  return timing.kind === 'interval'
    ? `every ${formatDuration(timing.everyMs)}`
    : `cron "${timing.expression}"`;
}

const modeText = (mode: ScheduleOverview['mode']) =>
  mode === 'inventory' ? 'inventory (dry run: nothing changes)' : 'rotation';

export function scheduleListText(schedules: ScheduleOverview[]): string[] {
  if (schedules.length === 0) return ['no keywarden schedules (create one with keywarden schedule create)'];
  return schedules.map((s) =>
    [
      s.scheduleId,
      modeText(s.mode),
      timingText(s.timing),
      s.paused ? 'PAUSED' : `next ${s.nextRuns[0] ?? 'none'}`,
    ].join('  '),
  );
}

export function scheduleDetailsText(d: ScheduleDetails): string[] {
  const lines = [
    `schedule:        ${d.scheduleId}`,
    `spec id:         ${d.specId} (each run is the campaign ${d.specId}-<scheduled time>)`,
    `runs:            ${modeText(d.mode)}`,
    `when:            ${timingText(d.timing)}`,
    `overlap policy:  ${d.overlapPolicy}`,
    `catch-up window: ${formatDuration(d.catchupWindowMs)}`,
    `paused:          ${d.paused ? 'yes' : 'no'}${d.note ? ` (${d.note})` : ''}`,
    `task queue:      ${d.taskQueue}`,
    `runs taken:      ${d.runsTaken} (skipped while one ran: ${d.skippedOverlapping}, missed the catch-up window: ${d.missedCatchupWindow})`,
    `running:         ${d.runningCampaigns.length > 0 ? d.runningCampaigns.join(', ') : 'none'}`,
    'next runs:',
    ...(d.nextRuns.length > 0 ? d.nextRuns.map((t) => `  ${t}`) : ['  none']),
    'recent runs:',
    ...(d.recentRuns.length > 0
      ? d.recentRuns.map((r) => `  ${r.campaignId}  scheduled ${r.scheduledAt}, started ${r.takenAt}`)
      : ['  none yet']),
  ];
  return lines;
}
