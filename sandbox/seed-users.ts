import { EXEMPTION_GROUP_NAME } from './seed-constants';

export interface SeedKey {
  ageDays: number;
  status: 'Active' | 'Inactive';
  lastUsedDaysAgo?: number;
  lastUsedService?: string;
}

export interface UserArchetype {
  archetype: string;
  UserName: string;
  tags: Record<string, string>;
  groups: string[];
  keys: SeedKey[];
  /** The key was made in the same minute as the user (CIS 1.11). */
  keyCreatedWithUser?: boolean;
  inAccount: (accountIndex: number) => boolean;
}

const everywhere = () => true;

/** The people and machines of every seeded member account, one per policy case. */
export const USER_ARCHETYPES: UserArchetype[] = [
  {
    archetype: 'stale-key',
    UserName: 'alice.ops',
    tags: { email: 'alice@example.com', owner: 'platform' },
    groups: ['developers'],
    keys: [{ ageDays: 400, status: 'Active', lastUsedDaysAgo: 2, lastUsedService: 'ec2' }],
    inAccount: everywhere,
  },
  {
    archetype: 'just-over-max',
    UserName: 'build-bot',
    tags: { owner: 'ci-team' },
    groups: [],
    keys: [{ ageDays: 95, status: 'Active', lastUsedDaysAgo: 1, lastUsedService: 's3' }],
    inAccount: everywhere,
  },
  {
    archetype: 'fresh-key',
    UserName: 'carol.dev',
    tags: { email: 'carol@example.com' },
    groups: ['developers'],
    keys: [{ ageDays: 20, status: 'Active', lastUsedDaysAgo: 0, lastUsedService: 'sts' }],
    inAccount: everywhere,
  },
  {
    archetype: 'two-active-keys',
    UserName: 'dave.legacy',
    tags: { email: 'dave@example.com' },
    groups: [],
    keys: [
      { ageDays: 400, status: 'Active', lastUsedDaysAgo: 10 },
      { ageDays: 30, status: 'Active', lastUsedDaysAgo: 3 },
    ],
    inAccount: everywhere,
  },
  {
    archetype: 'exempt-by-tag',
    UserName: 'erin.exempt',
    tags: { email: 'erin@example.com', 'keywarden:exempt': 'true' },
    groups: [],
    keys: [{ ageDays: 500, status: 'Active', lastUsedDaysAgo: 5 }],
    inAccount: everywhere,
  },
  {
    archetype: 'exempt-by-group',
    UserName: 'frank.breakglass',
    tags: { owner: 'security' },
    groups: [EXEMPTION_GROUP_NAME],
    keys: [{ ageDays: 300, status: 'Active' }],
    inAccount: everywhere,
  },
  {
    archetype: 'no-keys',
    UserName: 'grace.console',
    tags: { email: 'grace@example.com' },
    groups: ['developers'],
    keys: [],
    inAccount: everywhere,
  },
  {
    archetype: 'unused-since-creation',
    UserName: 'heidi.unused',
    tags: { email: 'heidi@example.com' },
    groups: [],
    keys: [{ ageDays: 120, status: 'Active' }],
    keyCreatedWithUser: true,
    inAccount: everywhere,
  },
  {
    archetype: 'inactive-in-second-slot',
    UserName: 'ivan.rotated',
    tags: { email: 'ivan@example.com' },
    groups: [],
    keys: [
      { ageDays: 200, status: 'Active', lastUsedDaysAgo: 4 },
      { ageDays: 150, status: 'Inactive', lastUsedDaysAgo: 160 },
    ],
    inAccount: everywhere,
  },
  {
    archetype: 'leaver',
    UserName: 'mallory',
    tags: { email: 'mallory@example.com' },
    groups: ['developers'],
    keys: [
      { ageDays: 60, status: 'Active', lastUsedDaysAgo: 1 },
      { ageDays: 200, status: 'Inactive' },
    ],
    inAccount: (i) => i === 0 || i === 2,
  },
  {
    archetype: 'leaver-by-email-tag',
    UserName: 'mallory-admin',
    tags: { email: 'mallory@example.com' },
    groups: [],
    keys: [{ ageDays: 45, status: 'Active', lastUsedDaysAgo: 2 }],
    inAccount: (i) => i === 1,
  },
];
