import { wholeDaysBetween } from '../../domain/findings';
import type { CampaignReport } from './campaign-report';
import { keyOutcomes } from './key-outcomes';

export interface AgeBucket {
  label: string;
  /** Inclusive upper bound in days; undefined for the last bucket. */
  maxDays?: number;
  before: number;
  after: number;
}

const BUCKETS: ReadonlyArray<{ label: string; maxDays?: number }> = [
  { label: '0-30', maxDays: 30 },
  { label: '31-60', maxDays: 60 },
  { label: '61-90', maxDays: 90 },
  { label: '91-180', maxDays: 180 },
  { label: '>180' },
];

/** What the chart counts, in words every format repeats. */
export const AGE_DISTRIBUTION_MEANS =
  'Access keys by age in days, counted at the campaign start. Before: every key the inventory found. ' +
  'After: the keys left once the outcomes are applied (deleted keys gone, keys the rotation made at ' +
  '0 days, every other key as the inventory found it).';

function bucketIndex(days: number): number {
  const i = BUCKETS.findIndex((b) => b.maxDays !== undefined && days <= b.maxDays);
  return i === -1 ? BUCKETS.length - 1 : i;
}

export function keyAgeDistribution(report: CampaignReport): AgeBucket[] {
  const at = new Date(report.campaign.startedAt);
  const buckets: AgeBucket[] = BUCKETS.map((b) => ({ ...b, before: 0, after: 0 }));
  for (const user of report.accounts.flatMap((a) => a.users)) {
    const facts = new Map(user.keys.map((k) => [k.accessKeyId, k]));
    for (const outcome of keyOutcomes(user)) {
      const key = facts.get(outcome.accessKeyId);
      const days = key === undefined ? 0 : Math.max(0, wholeDaysBetween(key.createDate, at));
      if (key !== undefined) buckets[bucketIndex(days)]!.before++;
      if (outcome.statusAfter !== 'Deleted') buckets[bucketIndex(days)]!.after++;
    }
  }
  return buckets;
}
