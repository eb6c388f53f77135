import type { Finding } from '../../domain/findings';
import type { CampaignReport } from './campaign-report';
import { AFTER_MEANS, controlTable } from './control-table';
import { findingControls, gateFor, userKeyViews } from './key-facts';
import { AGE_DISTRIBUTION_MEANS, keyAgeDistribution } from './key-age-distribution';

// Defence in depth: the workflows never return secret material, and a report must not carry any
// that a future field might add by mistake.
const SECRET_FIELD = /secretaccesskey|sessiontoken|^password$/i;

/** Pretty JSON with a trailing newline, any secret-looking field left out. */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, (key, v: unknown) => (SECRET_FIELD.test(key) ? undefined : v), 2)}\n`;
}

/**
 * The report as JSON, every finding's controls as domain/controls.ts maps its code today, plus
 * the per-control table, the key-age distribution and, per user, every key's state after the
 * campaign (`keysAfter`, the new key included) with who approved what was done to it.
 */
export function renderJson(report: CampaignReport): string {
  const now = new Date(report.generatedAt);
  const withControls = <F extends Finding>(finding: F): F => ({
    ...finding,
    controls: findingControls(finding),
  });
  return safeJson({
    ...report,
    controls: { afterMeans: AFTER_MEANS, rows: controlTable(report) },
    keyAges: { means: AGE_DISTRIBUTION_MEANS, buckets: keyAgeDistribution(report) },
    accounts: report.accounts.map((account) => ({
      ...account,
      users: account.users.map((user) => ({
        ...user,
        keys: user.keys.map((key) => ({ ...key, findings: key.findings.map(withControls) })),
        keysAfter: userKeyViews(user, gateFor(account, report.campaign), now).map((view) => ({
          accessKeyId: view.accessKeyId,
          role: view.role,
          statusBefore: view.statusBefore,
          statusAfter: view.statusAfter,
          action: view.action,
          ...(view.needsApproval ? { approval: view.approval ?? null } : {}),
        })),
      })),
      ...(account.findings === undefined ? {} : { findings: account.findings.map(withControls) }),
    })),
  });
}
