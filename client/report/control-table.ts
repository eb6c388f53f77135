import type { FindingCode } from '../../domain/findings';
import { distinctAccountFindings } from '../../domain/findings';
import {
  ACTIVE_KEY_ONLY_CODES,
  CONTROLS,
  KEY_CONTROL_CODES,
  PRINCIPAL_CONTROL_CODES,
  controlLabels,
} from '../../domain/controls';
import type { CampaignReport } from './campaign-report';
import { keyOutcomes } from './key-outcomes';

export interface ControlRow {
  code: FindingCode;
  /** e.g. ['CIS 1.14', 'SecurityHub IAM.3']. */
  controls: string[];
  title: string;
  before: number;
  after: number;
}

/** What "after" means in every report's per-control table. */
export const AFTER_MEANS =
  "Before: the findings of the campaign's inventory. After: those findings with the campaign's " +
  'outcomes applied: a deleted key has none; a deactivated key keeps only the findings an inactive ' +
  'key can have; a key the rotation made counts as 0 days old (no age or unused finding); two ' +
  'active keys are recounted from the keys left active; key ages are those of the inventory, not read ' +
  'again. A rotation does not change MFA or root findings, so theirs stay as found. Nothing was read ' +
  'from AWS after the campaign.';

type Counts = Partial<Record<FindingCode, number>>;

function add(counts: Counts, code: FindingCode, n = 1): void {
  counts[code] = (counts[code] ?? 0) + n;
}

/** Per finding code: how many findings the inventory saw, and how many remain after the outcomes. */
function countFindings(report: CampaignReport): { before: Counts; after: Counts } {
  const before: Counts = {};
  const after: Counts = {};
  for (const account of report.accounts) {
    for (const finding of distinctAccountFindings(account.findings ?? [])) {
      add(before, finding.code);
      add(after, finding.code);
    }
    for (const user of account.users) {
      const facts = new Map(user.keys.map((k) => [k.accessKeyId, k]));
      let activeAfter = 0;
      for (const outcome of keyOutcomes(user)) {
        const findings = facts.get(outcome.accessKeyId)?.findings ?? [];
        for (const f of findings) add(before, f.code);
        if (outcome.statusAfter === 'Deleted') continue;
        if (outcome.statusAfter === 'Active') activeAfter++;
        const kept = findings.filter(
          (f) =>
            f.code !== 'TWO_ACTIVE_KEYS' &&
            (outcome.statusAfter === 'Active' || !ACTIVE_KEY_ONLY_CODES.includes(f.code)),
        );
        for (const f of kept) add(after, f.code);
      }
      if (activeAfter >= 2) add(after, 'TWO_ACTIVE_KEYS', activeAfter);
    }
  }
  return { before, after };
}

/**
 * The per-control table: the access-key controls (CIS 1.11-1.14, Security Hub IAM.3, IAM.8,
 * IAM.22) always, and the MFA and root-key controls when the inventory looked for them.
 */
export function controlTable(report: CampaignReport): ControlRow[] {
  const { before, after } = countFindings(report);
  const principalsLooked = report.accounts.some((a) => a.findings !== undefined);
  const codes = [...KEY_CONTROL_CODES, ...(principalsLooked ? PRINCIPAL_CONTROL_CODES : [])];
  return codes.map((code) => ({
    code,
    controls: controlLabels(code),
    title: CONTROLS[code].title,
    before: before[code] ?? 0,
    after: after[code] ?? 0,
  }));
}
