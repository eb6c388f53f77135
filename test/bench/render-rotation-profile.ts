import { median, type BenchFigures, type StepTimes } from './figures';
import { table } from './markdown-table';

const mean = (total: number, count: number) => (count === 0 ? 'n/a' : `${Math.round(total / count)} ms`);
const total = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const stepRow = (name: string, s: StepTimes, extra: string[] = []) => [
  name,
  String(s.count),
  ...extra,
  mean(s.queueMs, s.count),
  mean(s.runMs, s.count),
  total(s.runMs),
];

/**
 * Where keywarden's rotation time goes: the histories of the median run at the largest size,
 * summed by workflow task and by activity type.
 */
export function rotationProfileSection(f: BenchFigures): string[] {
  const last = f.rotation[f.rotation.length - 1];
  if (last === undefined) return [];
  const middle = median(last.keywarden.map((r) => r.seconds));
  const run = last.keywarden.find((r) => r.seconds === middle) ?? last.keywarden[0];
  const profile = run?.profile;
  if (run === undefined || profile === undefined) return [];
  const activities = Object.entries(profile.activities).sort(([, a], [, b]) => b.runMs - a.runMs);
  const activityRunMs = activities.reduce((sum, [, s]) => sum + s.runMs, 0);
  const runs = Object.entries(profile.workflowRuns)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  return [
    '### Where keywarden’s rotation time goes',
    '',
    `From the histories of the median run at ${last.accounts} accounts (${run.seconds.toFixed(1)} s, ${run.rotated} keys; the gate opened at ${run.gateSeconds === undefined ? 'n/a' : `${run.gateSeconds.toFixed(1)} s`}): ${runs} workflow runs, ${profile.historyEvents} history events, ${profile.signalsSent} signals sent between workflows. "Queue" is scheduled to started (waiting for a worker slot, and for activities also every retry's backoff); "run" is started to completed. Work overlaps, so the totals add up to more than the wall time.`,
    '',
    ...table(
      ['step', 'count', 'retries', 'mean queue', 'mean run', 'total run'],
      [
        stepRow('workflow tasks', profile.workflowTasks, ['–']),
        ...activities.map(([type, s]) => stepRow(`activity ${type}`, s, [String(s.retries)])),
      ],
    ),
    '',
    `Workflow tasks ran ${total(profile.workflowTasks.runMs)} in all, against ${total(activityRunMs)} for every activity together (${(profile.workflowTasks.runMs / Math.max(1, activityRunMs)).toFixed(1)}x); ${profile.workflowTasks.count} tasks waited ${mean(profile.workflowTasks.queueMs, profile.workflowTasks.count)} on average for a worker slot (KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS).`,
    '',
  ];
}
