import type { Finding } from '../../domain/findings';
import type { CampaignReport } from './campaign-report';
import { findingControls } from './key-facts';

// Defence in depth: the workflows never return secret material, and a report must not carry any
// that a future field might add by mistake.
const SECRET_FIELD = /secretaccesskey|sessiontoken|^password$/i;

/** Pretty JSON with a trailing newline, any secret-looking field left out. */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, (key, v: unknown) => (SECRET_FIELD.test(key) ? undefined : v), 2)}\n`;
}

/** The report as JSON, every finding's controls as domain/controls.ts maps its code today. */
export function renderJson(report: CampaignReport): string {
  const withControls = <F extends Finding>(finding: F): F => ({
    ...finding,
    controls: findingControls(finding),
  });
  return safeJson({
    ...report,
    accounts: report.accounts.map((account) => ({
      ...account,
      users: account.users.map((user) => ({
        ...user,
        keys: user.keys.map((key) => ({ ...key, findings: key.findings.map(withControls) })),
      })),
      ...(account.findings === undefined ? {} : { findings: account.findings.map(withControls) }),
    })),
  });
}
