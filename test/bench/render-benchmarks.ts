import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rotationProfileSection } from './render-rotation-profile';
import { median, TOOL_LABELS, TOOLS, type BenchFigures, type ContainmentRun, type Tool } from './figures';
import { table } from './markdown-table';

/** Figures other benchmarks write; each becomes a section of the doc when its file exists. */
export const FURTHER_SECTIONS = [
  { file: 'benchmark-scale-figures.json', title: '10,000-account simulation' },
  { file: 'benchmark-scale-campaign-figures.json', title: 'Sharded campaign simulation' },
  { file: 'production-window-figures.json', title: 'Rotation phases at production windows' },
] as const;

const seconds = (s: number | undefined) =>
  s === undefined ? 'n/a' : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
const ratio = (r: number | undefined) =>
  r === undefined || !Number.isFinite(r) ? 'n/a' : `${r.toFixed(1)}x`;

function medianSeconds(runs: readonly ContainmentRun[]): number | undefined {
  return median(runs.filter((r) => r.error === undefined).map((r) => r.seconds));
}

function cell(runs: readonly ContainmentRun[]): string {
  const m = medianSeconds(runs);
  const contained = runs.map((r) => `${r.contained}/${r.accounts}`);
  const allSame = contained.every((c) => c === contained[0]);
  const failed = runs.filter((r) => r.error !== undefined).length;
  return `${seconds(m)} (contained ${allSame ? contained[0] : contained.join(', ')}${failed > 0 ? `; ${failed} run(s) failed` : ''})`;
}

const isFigure = (v: unknown): v is { value: unknown; unit: string } =>
  v !== null &&
  typeof v === 'object' &&
  Object.keys(v).length === 2 &&
  'value' in v &&
  'unit' in v &&
  typeof v.unit === 'string';

const isGoal = (v: unknown): v is { name: string; limit: string; value: string; met: boolean } =>
  v !== null && typeof v === 'object' && 'name' in v && 'limit' in v && 'met' in v;

/**
 * Nested objects as `a › b` rows, a `{value, unit}` figure as "value unit" and a goal as its
 * verdict: the further sections' files are free-form.
 */
function flatten(value: unknown, prefix = ''): Array<[string, string]> {
  if (isFigure(value)) return [[prefix || 'value', `${String(value.value)} ${value.unit}`]];
  if (Array.isArray(value) && value.length > 0 && value.every(isGoal)) {
    return value.map((g) => [
      `goal: ${g.name}`,
      `${g.met ? 'met' : '**missed**'}: ${g.value} (goal ${g.limit})`,
    ]);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flatten(v, prefix ? `${prefix} › ${k}` : k),
    );
  }
  return [[prefix || 'value', Array.isArray(value) ? JSON.stringify(value) : String(value)]];
}

function containmentSection(f: BenchFigures): string[] {
  const sizes = f.containment.map((c) => c.accounts);
  const med = (tool: Tool, accounts: number) =>
    medianSeconds(f.containment.find((c) => c.accounts === accounts)?.runs[tool] ?? []);
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  const lines = [
    '## Containment of one leaver',
    '',
    `Median of ${f.settings.runs} run(s) per cell; "contained" is what the emulator showed afterwards (leaver's keys all Inactive and a deny policy on the leaver, in every member account).`,
    '',
    ...table(
      [
        'tool',
        ...sizes.map((n) => `${n} accounts`),
        ...(sizes.length > 1 ? [`growth ${first} → ${last}`] : []),
      ],
      TOOLS.map((tool) => [
        TOOL_LABELS[tool],
        ...f.containment.map((c) => cell(c.runs[tool])),
        ...(sizes.length > 1 ? [ratio((med(tool, last!) ?? NaN) / (med(tool, first!) ?? NaN))] : []),
      ]),
    ),
    '',
    ...table(
      ['ratio', ...sizes.map((n) => `${n} accounts`)],
      [
        [
          'c7n-org ÷ keywarden (keywarden is this much faster; goal ≥ 3x)',
          ...sizes.map((n) => ratio((med('c7nOrg', n) ?? NaN) / (med('keywarden', n) ?? NaN))),
        ],
        [
          'keywarden ÷ plain SDK (goal ≤ 2x)',
          ...sizes.map((n) => ratio((med('keywarden', n) ?? NaN) / (med('sdk', n) ?? NaN))),
        ],
      ],
    ),
  ];
  const kwWall = f.containment.map((c) =>
    median(c.runs.keywarden.flatMap((r) => (r.wallSeconds === undefined ? [] : [r.wallSeconds]))),
  );
  lines.push(
    '',
    `keywarden's figure is the workflow's own (requested → last user contained, the \`timeToContainmentMs\` of its status). The client's wall time until \`keywarden offboard --wait\` returns: ${f.containment.map((c, i) => `${seconds(kwWall[i])} at ${c.accounts}`).join(', ')}.`,
  );
  const ceiling = f.emulatorCeilingCallsPerSecond;
  lines.push(
    '',
    '### As a fraction of the emulator',
    '',
    `The emulator answers about **${ceiling} simple IAM calls per second** (GetUser, 8 in flight). The fewest calls a containment can make are 1 ListAccounts and 4 per account (AssumeRole, ListAccessKeys, UpdateAccessKey, PutUserPolicy); at the ceiling they would take:`,
    '',
    ...table(
      ['', ...sizes.map((n) => `${n} accounts`)],
      [
        ['fewest calls at the ceiling', ...sizes.map((n) => seconds((1 + 4 * n) / ceiling))],
        ...TOOLS.map((tool) => [
          `${tool}: median as simple-call times (seconds × ${ceiling}/s)`,
          ...sizes.map((n) => {
            const m = med(tool, n);
            return m === undefined
              ? 'n/a'
              : `${Math.round(m * ceiling)} (${ratio(m / ((1 + 4 * n) / ceiling))} the floor)`;
          }),
        ]),
      ],
    ),
  );
  const sdkRates = sizes.flatMap((n) => {
    const m = med('sdk', n);
    return m === undefined ? [] : [(1 + 4 * n) / m];
  });
  const fastest = Math.max(0, ...sdkRates);
  if (fastest > ceiling) {
    lines.push(
      '',
      `Note: the plain SDK made its calls at up to ${Math.round(fastest)} per second, above the ceiling measured once at the start (${ceiling}/s): on this run the ceiling reads low (the machine's load changed between the two), so read the rows above as an order of magnitude only.`,
    );
  }
  return lines;
}

function rotationSection(f: BenchFigures): string[] {
  if (f.rotation.length === 0) return [];
  const rate = (runs: ReadonlyArray<{ rotated: number; seconds: number }>) =>
    median(runs.map((r) => r.rotated / r.seconds));
  const rows = f.rotation.map((r) => {
    const kw = rate(r.keywarden);
    const sdk = rate(r.sdk);
    return [
      String(r.accounts),
      String(r.keywarden[0]?.rotated ?? 0),
      kw === undefined
        ? 'n/a'
        : `${kw.toFixed(2)} keys/s (${seconds(median(r.keywarden.map((x) => x.seconds)))})`,
      sdk === undefined
        ? 'n/a'
        : `${sdk.toFixed(2)} keys/s (${seconds(median(r.sdk.map((x) => x.seconds)))})`,
      ratio((sdk ?? NaN) / (kw ?? NaN)),
    ];
  });
  const first = f.rotation[0]!;
  const last = f.rotation[f.rotation.length - 1]!;
  const growth = (tool: 'keywarden' | 'sdk') =>
    ratio(
      (median(last[tool].map((x) => x.seconds)) ?? NaN) / (median(first[tool].map((x) => x.seconds)) ?? NaN),
    );
  return [
    '## Rotation throughput',
    '',
    'Every user with a key older than 90 days (all of them) is rotated: create a key, store it in Secrets Manager, verify it (read it back, sign `sts:GetCallerIdentity` with it), deactivate and delete the old key. keywarden runs a whole campaign with the shortest windows a spec accepts (`adoption: 1ms`, `grace: 1ms`; a spec refuses 0), 8 accounts and 5 keys per account in flight, and the bench approves the moment the gate opens. The plain SDK does the same steps, 8 users in flight, with no windows, no approval and no records.',
    '',
    ...table(['accounts', 'keys rotated', 'keywarden', 'plain SDK', 'SDK ÷ keywarden (throughput)'], rows),
    '',
    ...(f.rotation.length > 1
      ? [
          `Growth of the wall time from ${first.accounts} to ${last.accounts} accounts: keywarden ${growth('keywarden')}, plain SDK ${growth('sdk')}.`,
          '',
        ]
      : []),
  ];
}

/** docs/benchmarks.md from the figures; `docsDir` holds the further sections' files, if any. */
export function renderBenchmarks(f: BenchFigures, docsDir: string): string {
  const m = f.machine;
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` from docs/benchmark-figures.json; edit the renderer, not this file. -->',
    '',
    `Measured ${f.generatedAt} on the AWS emulator (moto ${f.settings.versions.moto}), one freshly seeded org per tool and run (the emulator reset in between): ${f.settings.usersPerAccount} IAM users per member account, one of them the leaver, each with one Active key. Benchmarks print figures and ratios; they never fail on a time.`,
    '',
    ...table(
      ['machine', ''],
      [
        ['CPUs', `${m.cpus} × ${m.cpuModel}`],
        ['memory', `${m.memoryGb} GB`],
        ['load average (1, 5, 15 min) before', m.loadBefore.join(', ')],
        ['load average after', m.loadAfter.join(', ')],
        ['platform', `${m.platform}, Node.js ${m.node}`],
        [
          'versions',
          Object.entries(f.settings.versions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        ['runs per figure (median)', String(f.settings.runs)],
      ],
    ),
    '',
    'The machine is shared: the load average says how much else ran. Read the ratios rather than the seconds.',
    '',
    ...containmentSection(f),
    '',
    ...rotationSection(f),
    ...rotationProfileSection(f),
    '## What each tool does',
    '',
    "- **keywarden**: `keywarden offboard --email mallory@example.com --wait` as the client runs it (start the `offboardEmployee` workflow, wait on its `status` query), against a worker of the sandbox in attach mode (`keywarden sandbox up --aws-endpoint <emulator> --no-seed`). Discovery lists the org's accounts and searches every member account for users whose `email` tag matches, ten accounts per activity and 40 accounts at once (the defaults), over one pool of keep-alive connections; each match is recorded, its keys deactivated and the inline deny policy put.",
    `- **Cloud Custodian**: \`c7n-org run\` (c7n ${f.settings.versions.c7n}, c7n-org ${f.settings.versions['c7n-org']}) with \`C7N_ORG_PARALLEL=${f.settings.concurrency}\`, an \`accounts.yml\` naming every member account and its member role, and one policy on \`iam-user\` filtered on \`tag:email\`: \`remove-keys\` with \`disable: true\` and \`set-policy\` attaching a customer-managed deny-all policy, \`arn:aws:iam::{account_id}:policy/c7n-deny-all\` (c7n has no action that puts an inline policy, and the emulator does not load AWS managed policies such as AWSDenyAll; the bench creates the policy in every member account before the clock starts, as a team would have deployed it). boto3 reaches the emulator through \`AWS_ENDPOINT_URL\`. Its time is the process's wall time; the accounts file is written before the clock starts, so listing the org is not part of it.`,
    `- **plain SDK**: AWS SDK for JavaScript v3, ${f.settings.concurrency} accounts in flight; ListAccounts, then per account AssumeRole, ListAccessKeys of the leaver (by name, known in advance), UpdateAccessKey to Inactive, PutUserPolicy with keywarden's deny document. No records, no retries beyond the SDK's, no restore.`,
    '',
    'After every run the bench reads every member account from the emulator: a figure counts only the accounts whose leaver holds no Active key and carries a deny policy, and checks that no other user lost a key.',
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm run bench                                    # 10, 50 and 100 accounts, 3 runs each; writes docs/benchmark-figures.json and this file',
    'KEYWARDEN_BENCH_SIZES=10,100 KEYWARDEN_BENCH_RUNS=1 KEYWARDEN_BENCH_ROTATION_SIZES=10 npm run bench',
    '```',
    '',
    'The bench installs the pinned peer (c7n, c7n-org, `sandbox/requirements-peer.txt`) into the project venv with the emulator, starts its own emulator, and a Temporal dev server and worker through attach mode, and stops them all at the end.',
    '',
    '<!-- Further sections: each file below, when it exists in docs/, is rendered here as a table of its figures. -->',
  ];
  for (const section of FURTHER_SECTIONS) {
    const file = path.join(docsDir, section.file);
    if (!existsSync(file)) continue;
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    lines.push(
      '',
      `## ${section.title}`,
      '',
      `From \`docs/${section.file}\`.`,
      '',
      ...table(['figure', 'value'], flatten(data)),
    );
  }
  return `${lines.join('\n')}\n`;
}
