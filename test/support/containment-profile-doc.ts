import { readFileSync } from 'node:fs';

/** One profiled containment: figures measured by test/support/profile-containment.ts. */
export interface ProfileRun {
  accounts: number;
  seedMs: number;
  workerSlots: number;
  activitiesPerSecond: number;
  /** The status's time from the request to the last user's containment (the deny policy put). */
  timeToContainmentMs: number;
  /** From the request until a status query first reported containment complete. */
  observedMs: number;
  awsCalls: number;
  awsCallsPerAccount: number;
  /** Including the calls made after containment to finish the prior-state record (absent in older figures). */
  awsCallsPerAccountWithRecord?: number;
  byOperation: Record<string, number>;
  /** From the first AWS call of the run to the last answer. */
  awsWindowMs: number;
  /** The emulator's answer times added up (calls overlap, so this exceeds the window). */
  awsBusyMs: number;
  awsP50Ms: number;
  awsP95Ms: number;
  firstAwsCallAfterMs: number;
  history: {
    events: number;
    workflowTasks: { count: number; totalRunMs: number; p50WaitMs: number; p50RunMs: number };
    activities: Record<
      string,
      { count: number; p50WaitMs: number; p95WaitMs: number; p50RunMs: number; p95RunMs: number }
    >;
  };
}

export function renderFromFile(path: string): string {
  return renderContainmentProfile(JSON.parse(readFileSync(path, 'utf8')) as ProfileFile);
}

export interface ProfileFile {
  labels: Record<string, { measuredAt: string; runs: ProfileRun[] }>;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function runTable(runs: ProfileRun[]): string[] {
  const lines = [
    '| accounts | request to contained (status) | until a status query saw it | AWS calls | per account | per account, with the record read after | emulator window | emulator p50 / p95 per call | calls/s in window | workflow tasks (total run) |',
    '| -------: | ---------------------------: | --------------------------: | --------: | ----------: | --------------------------------------: | --------------: | --------------------------: | ----------------: | -------------------------: |',
  ];
  for (const r of runs) {
    const rate = r.awsWindowMs > 0 ? Math.round((r.awsCalls / r.awsWindowMs) * 1000) : 0;
    lines.push(
      `| ${r.accounts} | ${s(r.timeToContainmentMs)} | ${s(r.observedMs)} | ${r.awsCalls} | ${r.awsCallsPerAccount} | ${r.awsCallsPerAccountWithRecord ?? r.awsCallsPerAccount} | ${s(r.awsWindowMs)} | ${r.awsP50Ms} / ${r.awsP95Ms} ms | ${rate} | ${r.history.workflowTasks.count} (${s(r.history.workflowTasks.totalRunMs)}) |`,
    );
  }
  return lines;
}

function operationsTable(runs: ProfileRun[]): string[] {
  const ops = [...new Set(runs.flatMap((r) => Object.keys(r.byOperation)))].sort();
  const lines = [
    `| operation | ${runs.map((r) => `${r.accounts} accounts`).join(' | ')} |`,
    `| --------- | ${runs.map(() => '---:').join(' | ')} |`,
  ];
  for (const op of ops) {
    lines.push(`| ${op} | ${runs.map((r) => String(r.byOperation[op] ?? 0)).join(' | ')} |`);
  }
  return lines;
}

function activityTable(runs: ProfileRun[]): string[] {
  const lines = [
    '| accounts | activity | count | queue wait p50 / p95 | run time p50 / p95 |',
    '| -------: | -------- | ----: | -------------------: | -----------------: |',
  ];
  for (const r of runs) {
    for (const [type, a] of Object.entries(r.history.activities).sort(([x], [y]) => (x < y ? -1 : 1))) {
      lines.push(
        `| ${r.accounts} | ${type} | ${a.count} | ${a.p50WaitMs} / ${a.p95WaitMs} ms | ${a.p50RunMs} / ${a.p95RunMs} ms |`,
      );
    }
  }
  return lines;
}

/** Before against after: the first and the last label, size by size. */
function comparison(file: ProfileFile): string[] {
  const labels = Object.keys(file.labels);
  const first = labels[0];
  const last = labels[labels.length - 1];
  if (first === undefined || last === undefined || first === last) return [];
  const before = file.labels[first]!.runs;
  const after = file.labels[last]!.runs;
  const lines = [
    `## ${first} and ${last}`,
    '',
    "Each label was measured in its own session: the emulator's median latency per call says how loaded the machine was then, and accounts for part of the difference.",
    '',
    `| accounts | request to contained, ${first} | ${last} | faster | AWS calls per account, ${first} | ${last} | emulator p50 per call, ${first} | ${last} |`,
    '| -------: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const b of before) {
    const a = after.find((r) => r.accounts === b.accounts);
    if (a === undefined) continue;
    const factor =
      a.timeToContainmentMs > 0 ? (b.timeToContainmentMs / a.timeToContainmentMs).toFixed(1) : '-';
    lines.push(
      `| ${b.accounts} | ${s(b.timeToContainmentMs)} | ${s(a.timeToContainmentMs)} | ${factor}x | ${b.awsCallsPerAccount} | ${a.awsCallsPerAccount} | ${b.awsP50Ms} ms | ${a.awsP50Ms} ms |`,
    );
  }
  return [...lines, ''];
}

/** Where the time of one run goes, in figures taken from it. */
function whereTheTimeGoes(r: ProfileRun): string[] {
  const rate = r.awsWindowMs > 0 ? Math.round((r.awsCalls / r.awsWindowMs) * 1000) : 0;
  const activities = Object.entries(r.history.activities);
  const waits = Math.max(0, ...activities.map(([, a]) => a.p95WaitMs));
  const [slowest, slow] = activities.sort(([, x], [, y]) => y.p50RunMs - x.p50RunMs)[0] ?? ['-', undefined];
  return [
    `At ${r.accounts} accounts (${s(r.timeToContainmentMs)} from request to contained):`,
    '',
    `- **Emulator calls**: ${r.awsCalls} calls between ${s(r.firstAwsCallAfterMs)} after the request and the end, ` +
      `a window of ${s(r.awsWindowMs)} at ${rate} calls/s; each call took ${r.awsP50Ms} ms at the median ` +
      `(${r.awsP95Ms} ms at p95), so the calls overlap ${(r.awsBusyMs / Math.max(1, r.awsWindowMs)).toFixed(1)} deep on average.`,
    `- **Emulator throughput bound**: at ${rate} calls/s the emulator needs ${s((r.awsCalls / Math.max(1, rate)) * 1000)} ` +
      `for these calls, against ${s(r.timeToContainmentMs)} from request to contained.`,
    `- **Activity round trips**: the longest queue wait (p95, scheduled to started) was ${waits} ms; ` +
      `${slowest} ran ${slow?.p50RunMs ?? 0} ms at the median, of which its account's ${r.awsCallsPerAccount} calls ` +
      `one after another at the median latency make about ${Math.round(r.awsCallsPerAccount * r.awsP50Ms)} ms; ` +
      'the rest is spent outside the emulator (in the worker, which shares 2 cores with the emulator and the dev server).',
    `- **Workflow tasks**: ${r.history.workflowTasks.count} tasks, ${s(r.history.workflowTasks.totalRunMs)} in all ` +
      `(median ${r.history.workflowTasks.p50RunMs} ms each, ${r.history.workflowTasks.p50WaitMs} ms queued), ` +
      `in ${r.history.events} history events.`,
    '',
  ];
}

/** docs/containment-profile.md, generated from docs/containment-profile.json. */
export function renderContainmentProfile(file: ProfileFile): string {
  const out = [
    '# Containment profile',
    '',
    '<!-- Generated by test/support/profile-containment.ts from docs/containment-profile.json; do not edit by hand. -->',
    '',
    'One leaver is contained across N member accounts; each account holds the leaver (matched by the tag',
    '`email`) and four other users, every one with an Active key. The run goes through the real Temporal',
    'dev server, one in-process worker and the emulator, from the request to the moment the status',
    'reports containment complete. AWS calls are counted and timed by a pass-through proxy in front of',
    'the emulator (SDK retries included; the seeding is not counted) up to that moment; the column',
    '"with the record read after" adds the calls that finish the prior-state record once containment is',
    'done. Activity and workflow-task figures',
    'come from the workflow history up to that moment. One run per size on a shared 2-core machine:',
    'read the figures as orders of magnitude.',
    '',
    'Reproduce: `npm run build && node dist/test/support/profile-containment.js --accounts 10,50,100 --label <name>`.',
    '',
    ...comparison(file),
  ];
  for (const [label, { measuredAt, runs }] of Object.entries(file.labels)) {
    const sample = runs[0];
    out.push(
      `## ${label}`,
      '',
      `Measured ${measuredAt}` +
        (sample
          ? `; worker: ${sample.workerSlots} activity slots, ${sample.activitiesPerSecond} activities/s.`
          : '.'),
      '',
      ...runTable(runs),
      '',
      ...(runs.length > 0 ? whereTheTimeGoes(runs[runs.length - 1]!) : []),
      'AWS calls by operation:',
      '',
      ...operationsTable(runs),
      '',
      'Activities (queue wait: scheduled to started; run: started to completed):',
      '',
      ...activityTable(runs),
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
