import type { KeywardenActivities } from '../../../activities';
import type { UserFacts } from '../../../domain/inventory';
import { scriptedOffboarding, type ScriptedLeaver } from '../../replay/scripted-offboarding';
import { oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { withAwsLatency, type LatencyRange } from './latency';

/** The leaver has an IAM user in one account in this many. */
export const LEAVER_EVERY = 500;
export const LEAVER_EMPLOYEE_ID = 'e-scale-leaver';
export const LEAVER_USER = 'scale.leaver';

export function simAccountIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(200_000_000_000 + i));
}

/**
 * In one account in `keyedEvery` (the first, then every keyedEvery-th), users with one 400-day-old
 * key each: every one of them is rotated. The other accounts hold no user with a key.
 */
export function rotationInventory(
  accounts: readonly string[],
  usersPerAccount: number,
  keyedEvery: number,
): Record<string, UserFacts[]> {
  const inventory: Record<string, UserFacts[]> = {};
  accounts.forEach((accountId, i) => {
    inventory[accountId] =
      i % keyedEvery === 0
        ? Array.from({ length: usersPerAccount }, (_, u) =>
            user(accountId, `svc-${u}`, [oldKey(`AKIA${accountId.slice(-6)}OLD${u}`)]),
          )
        : [];
  });
  return inventory;
}

/** Every account in the org; the leaver's user in one account in LEAVER_EVERY. */
function offboardingOrg(accounts: readonly string[]): Record<string, ScriptedLeaver[]> {
  const org: Record<string, ScriptedLeaver[]> = {};
  accounts.forEach((accountId, i) => {
    org[accountId] =
      i % LEAVER_EVERY === 0
        ? [{ userName: LEAVER_USER, accessKeyIds: [`AKIA${accountId.slice(-6)}LEAVER`] }]
        : [];
  });
  return org;
}

export function leaverAccounts(accounts: readonly string[]): number {
  return accounts.filter((_, i) => i % LEAVER_EVERY === 0).length;
}

/**
 * The scripted AWS of the simulation: the campaign's activities over one inventory, the
 * offboarding's over one org, each call as slow as the AWS calls it stands for.
 */
export function simActivities(
  accountCount: number,
  campaignAccounts: number,
  usersPerAccount: number,
  keyedAccountEvery: number,
  latency: LatencyRange,
): Partial<KeywardenActivities> {
  const accounts = simAccountIds(accountCount);
  const rotation = scriptedAws(
    rotationInventory(accounts.slice(0, campaignAccounts), usersPerAccount, keyedAccountEvery),
  ).activities;
  const offboarding = scriptedOffboarding(offboardingOrg(accounts)).activities;
  return withAwsLatency({ ...rotation, ...offboarding }, latency);
}
