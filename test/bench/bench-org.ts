import type { AwsCredentialIdentity } from '@smithy/types';
import { resetMoto } from '../../sandbox/moto-server';
import { seedOrganization, type SeededOrg } from '../../sandbox/seed-org';
import type { UserArchetype } from '../../sandbox/seed-users';

/** The leaver every tool contains: one IAM user per member account, found by its email tag. */
export const LEAVER = { userName: 'mallory', email: 'mallory@example.com' } as const;

/**
 * The benchmark's caller. The emulator maps keys it did not issue to its default account, the
 * management account of every org seeded after a reset, so these keep working across resets.
 */
export const BENCH_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'keywarden-bench',
  secretAccessKey: 'keywarden-bench',
};

const everywhere = () => true;
const withOneKey = (userName: string, email: string): UserArchetype => ({
  archetype: 'bystander',
  UserName: userName,
  tags: { email },
  groups: [],
  keys: [{ ageDays: 120, status: 'Active', lastUsedDaysAgo: 1 }],
  inAccount: everywhere,
});

/** Per member account: the leaver and 4 users, each with one Active key older than 90 days. */
export const BENCH_ARCHETYPES: readonly UserArchetype[] = [
  { ...withOneKey(LEAVER.userName, LEAVER.email), archetype: 'leaver' },
  withOneKey('alice.ops', 'alice@example.com'),
  withOneKey('bob.build', 'bob@example.com'),
  withOneKey('carol.dev', 'carol@example.com'),
  withOneKey('dave.data', 'dave@example.com'),
];
export const USERS_PER_ACCOUNT = BENCH_ARCHETYPES.length;

/** Empties the emulator and seeds the benchmark's org: the same shape for every tool and run. */
export async function freshBenchOrg(endpoint: string, memberAccounts: number): Promise<SeededOrg> {
  await resetMoto(endpoint);
  return seedOrganization({
    endpoint,
    memberAccounts,
    seed: 1,
    bootstrapCredentials: BENCH_CREDENTIALS,
    archetypes: BENCH_ARCHETYPES,
  });
}
