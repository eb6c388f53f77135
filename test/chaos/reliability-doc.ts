import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { paths } from '../../sandbox/project-paths';
import type { BadInputFigures, ChaosFigures } from '../support/chaos/chaos-figures';

export const FIGURES_FILE = path.join(paths.root, 'docs', 'reliability-figures.json');
/** Written by the bad-input corpus run, when there is one. */
export const BAD_INPUT_FIGURES_FILE = path.join(paths.root, 'docs', 'bad-input-figures.json');
export const RELIABILITY_DOC = path.join(paths.root, 'docs', 'reliability.md');

const CountSchema = { refused: z.number().int().min(0), total: z.number().int().min(0) };
const BadInputFiguresSchema = z.object({
  ...CountSchema,
  byCategory: z.array(z.object({ category: z.string(), ...CountSchema })).optional(),
  measuredAt: z.string().optional(),
});

const FAULT_LABELS = {
  throttling: 'throttling (HTTP 400, `Throttling`)',
  serverError: 'HTTP 500 / 503',
  connectionReset: 'connection resets',
  blackout: 'connections dropped in the blackout',
} as const;

function faultRows(figures: ChaosFigures): string[] {
  return (Object.keys(FAULT_LABELS) as Array<keyof typeof FAULT_LABELS>).map((fault) => {
    const { campaign, offboarding } = figures.faults;
    return `| ${FAULT_LABELS[fault]} | ${campaign[fault]} | ${offboarding[fault]} | ${campaign[fault] + offboarding[fault]} |`;
  });
}

function badInputLine(badInputs: BadInputFigures | undefined): string {
  return badInputs === undefined
    ? 'not yet measured (no bad-input corpus run has written its figures)'
    : `${badInputs.refused} of ${badInputs.total}`;
}

/** The bad-input corpus's counts by kind of input, when its run wrote them. */
function badInputSection(badInputs: BadInputFigures | undefined): string[] {
  if (badInputs?.byCategory === undefined) return [];
  return [
    '## Bad input refused, by kind',
    '',
    `From the last run of the bad-input corpus (\`test/integration/bad-input\`)${badInputs.measuredAt === undefined ? '' : `, ${badInputs.measuredAt}`}: each case was refused with its expected message, started no workflow and changed nothing in the emulator.`,
    '',
    '| input | refused | cases |',
    '| --- | --- | --- |',
    ...badInputs.byCategory.map((c) => `| ${c.category} | ${c.refused} | ${c.total} |`),
    '',
  ];
}

const ACCESS_KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{8,}([A-Z0-9]{4})\b/g;

/** Access key IDs shown by their kind and last four characters, as the AWS console does: AKIA…WVY4. */
export function maskKeyIds(text: string): string {
  return text.replace(ACCESS_KEY_ID, (_id, kind: string, tail: string) => `${kind}…${tail}`);
}

/** docs/reliability.md from the figures of a run; nothing in it is typed by hand. */
export function renderReliabilityDoc(figures: ChaosFigures, badInputs?: BadInputFigures): string {
  const notInterrupted = figures.activityTypesRun.filter(
    (t) => !figures.interruptedActivityTypes.includes(t),
  );
  return [
    '# Reliability',
    '',
    figures.mode === 'full'
      ? `Figures of the last \`npm run chaos\` (full version, seed ${figures.seed}), ${figures.startedAt} to ${figures.finishedAt}.`
      : `Figures of the last chaos run: the short version in \`npm test\` (its figures kept with \`KEYWARDEN_CHAOS_FIGURES=<file>\`), seed ${figures.seed}, ${figures.startedAt} to ${figures.finishedAt}. \`npm run chaos\` (the full version) has not written this file yet.`,
    'This file is generated from `docs/reliability-figures.json`, which the run writes; do not edit it by hand.',
    '',
    '| figure | value |',
    '| --- | --- |',
    `| kills survived (SIGKILL of a worker process, then a new one) | ${figures.killsSurvived} |`,
    `| faults injected | ${Object.values(figures.faults.campaign).reduce((a, b) => a + b, 0) + Object.values(figures.faults.offboarding).reduce((a, b) => a + b, 0)} of ${figures.awsRequests} AWS requests |`,
    `| bad inputs refused | ${badInputLine(badInputs)} |`,
    `| violations | ${figures.violations.length} |`,
    '',
    ...badInputSection(badInputs),
    '## Faults injected, by class',
    '',
    '| class | campaign | offboarding | total |',
    '| --- | --- | --- | --- |',
    ...faultRows(figures),
    '',
    `The blackout lasted ${figures.blackoutSeconds} s, during the campaign.`,
    '',
    '## The runs',
    '',
    `- Campaign \`${figures.campaign.id}\`: ${figures.accounts} member accounts, ${figures.campaign.selectedUsers} selected users, ${figures.workers} worker processes; ended ${figures.campaign.status} after ${figures.campaign.durationSeconds} s.`,
    `- Offboarding \`${figures.offboarding.id}\`: ${figures.offboarding.matchedUsers} matched users, ${figures.offboarding.purged} purged, ${figures.offboarding.contained} contained; ended ${figures.offboarding.phase} after ${figures.offboarding.durationSeconds} s.`,
    `- Activity types interrupted by a kill: ${figures.interruptedActivityTypes.join(', ') || 'none'}.`,
    `- Activity types the run executed but no kill interrupted: ${notInterrupted.join(', ') || 'none'}.`,
    `- The checker sampled the emulator ${figures.checkerSamples} times; the longest a key was held before it was seen in its destination: ${figures.longestUnstagedSeconds} s.`,
    '',
    ...(figures.violations.length === 0
      ? ['No invariant was violated.']
      : ['Violations:', '', ...figures.violations.map((v) => `- ${maskKeyIds(v)}`)]),
    '',
    '## What is checked',
    '',
    'An independent checker reads IAM and Secrets Manager on the emulator with its own clients (never',
    "keywarden's state), before the run, about once a second during it, and after it:",
    '',
    '- no selected user is ever without an Active key that authenticates;',
    '- no user holds a key that is not in its destination (any version of its secret), except between',
    "  creation and staging (a kill stretches this to the create activity's retry, so up to 3 minutes are allowed);",
    '- at the end every selected user has exactly one Active key, the new one, stored as the current',
    '  version (`AWSCURRENT`), and it authenticates;',
    "- no key present before the run was seen deleted before the first approval in the campaign's",
    '  history (the approval signal or update event time);',
    '- no user outside the selection changed (the whole IAM snapshot of every other user);',
    '- after the offboarding, every matched user is purged, or contained (deny policy attached, no',
    '  Active key); a user in between is a violation.',
    '',
    '"Authenticates" on the emulator means: the key is Active and `sts:GetCallerIdentity` signed with',
    'it answers as that user (the emulator does not enforce inactive keys, so Active is checked',
    'separately). A new key is signed with the secret from its destination. A key held before the run is',
    'signed with once, before the campaign starts, and then counts while it stays Active: signing with it',
    "during the adoption window would be a use of the old key, which makes keywarden hold that user's",
    'rotation (as designed). The emulator verifies no signature, so the checker signs such a key, whose',
    'secret it never sees, with a placeholder.',
    '',
    'Some activities finish in milliseconds (the approver registry, listing the accounts in scope, an',
    "offboarding's search, containment and purge steps), so a kill at a random moment rarely lands in",
    'them. In the full run the workers are started with a test logger preloaded',
    '(`test/support/chaos/activity-hold.ts`) that, when one of those activities starts and no kill has',
    'interrupted its type yet, prints a marker and holds the process for 5 s; the killer kills that',
    'process then. These kills come on top of the random ones.',
    '',
    "Faults come from a loopback proxy between the workers and the emulator (the workers' AWS",
    'endpoint), driven by a seeded PRNG: 10% throttling, 5% 500/503, 3% connection resets (half before',
    'the emulator sees the call, half after it acted, so the answer is lost), and one blackout in which',
    'every connection is dropped. The checker reads the emulator directly, not through the proxy.',
    '',
    '## Reproducing',
    '',
    '```sh',
    'npm run chaos            # full: 20 accounts, 3 workers, >= 10 kills, a 30 s blackout; rewrites this file',
    'node dist/test/chaos/reliability-doc.js   # this file again from docs/reliability-figures.json',
    '```',
    '',
    '`npm test` runs a short version (`test/integration/chaos/kill-and-fault.test.ts`: 3 accounts, at',
    'least 4 kills, a 5 s blackout) that asserts no violation and that kills cut activities mid-flight;',
    'only the full run asserts that every activity type was interrupted.',
    'The bad-input figure comes from `docs/bad-input-figures.json` (`{"refused": n, "total": m}`) when',
    'a corpus run has written it.',
    '',
  ].join('\n');
}

export function readBadInputFigures(file = BAD_INPUT_FIGURES_FILE): BadInputFigures | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = BadInputFiguresSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file} is not {"refused": n, "total": m}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Formatted as the project formats Markdown, so a regenerated file differs only where a figure does. */
async function formatted(text: string, filepath: string): Promise<string> {
  return format(text, { ...(await resolveConfig(filepath)), filepath });
}

export async function writeFigures(figures: ChaosFigures): Promise<void> {
  const masked = { ...figures, violations: figures.violations.map(maskKeyIds) };
  writeFileSync(FIGURES_FILE, await formatted(JSON.stringify(masked, null, 2), FIGURES_FILE));
}

export async function writeReliabilityDoc(figures: ChaosFigures): Promise<void> {
  writeFileSync(
    RELIABILITY_DOC,
    await formatted(renderReliabilityDoc(figures, readBadInputFigures()), RELIABILITY_DOC),
  );
}

if (require.main === module) {
  const file = process.argv[2] ?? FIGURES_FILE;
  writeReliabilityDoc(JSON.parse(readFileSync(file, 'utf8')) as ChaosFigures).then(
    () => console.log(`wrote ${RELIABILITY_DOC} from ${file}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
