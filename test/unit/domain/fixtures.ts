import type { CampaignSpecInput } from '../../../domain/campaign-spec';
import { parseCampaignSpec } from '../../../domain/campaign-spec';
import type { SelectionPolicy } from '../../../domain/findings';
import type { AccessKeyFacts, UserFacts } from '../../../domain/inventory';

export const NOW = new Date('2025-06-01T00:00:00.000Z');
const DAY_MS = 86_400_000;

export function daysAgo(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * DAY_MS).toISOString();
}

export function minimalSpec(overrides: Partial<CampaignSpecInput> = {}): CampaignSpecInput {
  return {
    id: 'q3-rotation',
    name: 'Q3 rotation',
    initiator: 'ops@example.com',
    scope: { allAccounts: true },
    approval: { approvers: ['alice@example.com'] },
    ...overrides,
  };
}

export function defaultPolicy(overrides: Partial<SelectionPolicy> = {}): SelectionPolicy {
  const parsed = parseCampaignSpec(minimalSpec());
  if (!parsed.ok) throw new Error(parsed.message);
  return { ...parsed.spec.policy, ...overrides };
}

export function key(id: string, overrides: Partial<AccessKeyFacts> = {}): AccessKeyFacts {
  return {
    accessKeyId: id,
    status: 'Active',
    createDate: daysAgo(10),
    lastUsedDate: daysAgo(1),
    ...overrides,
  };
}

export function user(keys: AccessKeyFacts[], overrides: Partial<UserFacts> = {}): UserFacts {
  return {
    accountId: '111122223333',
    userName: 'ci-bot',
    userId: 'AIDAEXAMPLE',
    arn: 'arn:aws:iam::111122223333:user/ci-bot',
    path: '/',
    createDate: daysAgo(1000),
    tags: {},
    groups: [],
    keys,
    ...overrides,
  };
}
