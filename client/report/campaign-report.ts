import type { AccountRotationReport, CampaignStatus } from '../../domain/rotation-report';

/** Everything a report shows about one campaign. It holds no secrets: the workflows never return any. */
export interface CampaignReport {
  /** When the report was collected; key ages are counted up to this instant. */
  generatedAt: string;
  campaign: CampaignStatus;
  /** One entry per account workflow, sorted by account ID. */
  accounts: AccountRotationReport[];
}

export function sortAccounts(accounts: readonly AccountRotationReport[]): AccountRotationReport[] {
  return [...accounts].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
}
