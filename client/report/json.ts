import type { CampaignReport } from './campaign-report';

// Defence in depth: the workflows never return secret material, and a report must not carry any
// that a future field might add by mistake.
const SECRET_FIELD = /secretaccesskey|sessiontoken|^password$/i;

export function renderJson(report: CampaignReport): string {
  return `${JSON.stringify(report, (key, value: unknown) => (SECRET_FIELD.test(key) ? undefined : value), 2)}\n`;
}
