import type { CampaignReport } from './campaign-report';

// Defence in depth: the workflows never return secret material, and a report must not carry any
// that a future field might add by mistake.
const SECRET_FIELD = /secretaccesskey|sessiontoken|^password$/i;

/** Pretty JSON with a trailing newline, any secret-looking field left out. */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, (key, v: unknown) => (SECRET_FIELD.test(key) ? undefined : v), 2)}\n`;
}

export function renderJson(report: CampaignReport): string {
  return safeJson(report);
}
