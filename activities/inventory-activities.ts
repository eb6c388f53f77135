import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { rootKeyFindings, userCredentialFindings, type AccountFinding } from '../domain/findings';
import type { UserFacts } from '../domain/inventory';
import type { CredentialReportRow } from './aws/credential-report';
import { hasAccessKey, hasActiveAccessKey } from './aws/credential-report';
import type { MemberRoleRef } from './aws/credentials';
import { isAwsError, toActivityFailure } from './aws/errors';
import type { IamGateway } from './aws/iam-gateway';
import { DEFAULT_INVENTORY_CONCURRENCY, SdkIamGateway, mapWithConcurrency } from './aws/iam-gateway';
import type { ActivityDeps } from './deps';

export interface InventoryAccountInput {
  target: MemberRoleRef;
}

/** Progress an inventory reports through heartbeats (visible in the UI as heartbeat details). */
export interface InventoryProgress {
  usersListed: number;
  usersDone: number;
}

export interface InventoryPageInput {
  target: MemberRoleRef;
  /** Resume after this user name (exclusive); absent for the first page. */
  afterUserName?: string;
  /** At most this many users WITH access keys are returned in one page (1..500). */
  maxUsers: number;
}

export interface InventoryPage {
  /**
   * Users holding at least one access key, in ascending user-name order (plain code-unit
   * comparison), at most maxUsers, with full UserFacts (keys with last use, tags, groups).
   */
  users: UserFacts[];
  /**
   * Users in this page's name range that hold no access key: counted from the IAM credential
   * report, not listed, no per-user calls made for them. (Also counts a user the report showed
   * with a key who held none by the time the page asked.)
   */
  usersWithoutKeys: number;
  /** The last user name this page covered; pass it as afterUserName for the next page. Absent when this page reached the end. */
  nextAfterUserName?: string;
  /** All IAM users in the account, from the credential report. */
  totalUsers: number;
  /**
   * Findings about principals rather than keys, for every user this page covers (with keys or
   * not) from the credential report, and on the first page the root user's keys from
   * GetAccountSummary.
   */
  findings?: AccountFinding[];
}

export const MAX_USERS_PER_PAGE = 500;

/**
 * What an inventoryPage attempt heartbeats after each user: enough for a retried attempt of the
 * same page to skip the users already done. Bounded by the page: at most maxUsers users in all,
 * so the details never outgrow the page's own result.
 */
export interface InventoryPageProgress {
  /** The page these details belong to. */
  afterUserName?: string;
  maxUsers: number;
  /** Users with keys the report puts in this page (known once the report is read). */
  usersPlanned?: number;
  /** The user finished last, for whoever watches the heartbeat details. */
  lastUserName?: string;
  /** Facts of the users finished so far, in the order they finished. */
  done: UserFacts[];
  /** Users deleted since the report (NoSuchEntity): in neither list nor count. */
  gone: string[];
  /** Users the report showed with a key who held none when asked: counted as without keys. */
  keyless: string[];
}

/** Which users one page covers, decided from the credential report alone. */
export interface InventoryPagePlan {
  /** The page's users that the report shows with a key, in name order: at most maxUsers. */
  withKeys: CredentialReportRow[];
  /** Users in the page's name range that the report shows without a key. */
  withoutKeys: number;
  /** Every user in the page's name range, with keys or not, in name order. */
  covered: CredentialReportRow[];
  nextAfterUserName?: string;
  totalUsers: number;
}

/** Plain UTF-16 code-unit order, the same on every machine and locale. */
export function compareUserNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The page after `afterUserName`: its first `maxUsers` users with keys, and every user without
 * keys up to the next user with keys (so no page but a lone first one is empty, and a page that
 * reaches the end of the report says so by having no nextAfterUserName).
 */
export function planInventoryPage(
  rows: readonly CredentialReportRow[],
  afterUserName: string | undefined,
  maxUsers: number,
): InventoryPagePlan {
  const sorted = [...rows].sort((a, b) => compareUserNames(a.userName, b.userName));
  let end =
    afterUserName === undefined
      ? 0
      : sorted.findIndex((row) => compareUserNames(row.userName, afterUserName) > 0);
  if (end < 0) end = sorted.length;
  const withKeys: CredentialReportRow[] = [];
  const covered: CredentialReportRow[] = [];
  let withoutKeys = 0;
  for (; end < sorted.length; end++) {
    const row = sorted[end] as CredentialReportRow;
    if (!hasAccessKey(row)) withoutKeys++;
    else if (withKeys.length < maxUsers) withKeys.push(row);
    else break;
    covered.push(row);
  }
  const plan: InventoryPagePlan = { withKeys, withoutKeys, covered, totalUsers: sorted.length };
  const last = sorted[end - 1];
  if (end < sorted.length && last !== undefined) plan.nextAfterUserName = last.userName;
  return plan;
}

function validatePageInput(input: InventoryPageInput): void {
  const { maxUsers, afterUserName } = input;
  if (!Number.isInteger(maxUsers) || maxUsers < 1 || maxUsers > MAX_USERS_PER_PAGE) {
    throw ApplicationFailure.nonRetryable(
      `maxUsers must be a whole number from 1 to ${MAX_USERS_PER_PAGE}, not ${String(maxUsers)}`,
      ErrorType.InvalidSpec,
    );
  }
  if (afterUserName !== undefined && (typeof afterUserName !== 'string' || afterUserName === '')) {
    throw ApplicationFailure.nonRetryable(
      'afterUserName must be a non-empty user name',
      ErrorType.InvalidSpec,
    );
  }
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

function looksLikeUserFacts(value: unknown): value is UserFacts {
  if (typeof value !== 'object' || value === null) return false;
  const facts = value as Partial<Record<keyof UserFacts, unknown>>;
  return (
    typeof facts.userName === 'string' &&
    typeof facts.accountId === 'string' &&
    Array.isArray(facts.keys) &&
    isStringArray(facts.groups) &&
    typeof facts.tags === 'object' &&
    facts.tags !== null
  );
}

/**
 * The progress a previous attempt of this very page heartbeated, or a fresh one. Details of
 * another page, of another account or of another shape are ignored.
 */
export function resumeInventoryPage(details: unknown, input: InventoryPageInput): InventoryPageProgress {
  const fresh: InventoryPageProgress = { maxUsers: input.maxUsers, done: [], gone: [], keyless: [] };
  if (input.afterUserName !== undefined) fresh.afterUserName = input.afterUserName;
  if (typeof details !== 'object' || details === null) return fresh;
  const d = details as Partial<Record<keyof InventoryPageProgress, unknown>>;
  const samePage = (d.afterUserName ?? undefined) === input.afterUserName && d.maxUsers === input.maxUsers;
  if (!samePage || !Array.isArray(d.done) || !isStringArray(d.gone) || !isStringArray(d.keyless))
    return fresh;
  const done = d.done.filter(looksLikeUserFacts).filter((f) => f.accountId === input.target.accountId);
  if (done.length !== d.done.length) return fresh;
  return { ...fresh, done, gone: [...d.gone], keyless: [...d.keyless] };
}

/** The credential findings of the users a page covers; the first page adds the root user's keys. */
async function pageFindings(
  iam: IamGateway,
  accountId: string,
  plan: InventoryPagePlan,
  firstPage: boolean,
): Promise<AccountFinding[]> {
  const users = plan.covered.flatMap((row) =>
    userCredentialFindings(accountId, {
      userName: row.userName,
      arn: row.arn,
      activeAccessKey: hasActiveAccessKey(row),
      ...(row.passwordEnabled === undefined ? {} : { passwordEnabled: row.passwordEnabled }),
      ...(row.mfaActive === undefined ? {} : { mfaActive: row.mfaActive }),
    }),
  );
  if (!firstPage) return users;
  return [...rootKeyFindings(accountId, await iam.rootAccessKeysPresent()), ...users];
}

type UserOutcome = { kind: 'done'; facts: UserFacts } | { kind: 'gone' } | { kind: 'keyless' };

/** One user's facts; a user deleted since the report (NoSuchEntity at any step) is 'gone'. */
async function inventoryUser(iam: IamGateway, accountId: string, userName: string): Promise<UserOutcome> {
  try {
    const user = await iam.getUser(userName);
    if (user === undefined) return { kind: 'gone' };
    const facts = await iam.getUserFacts(accountId, user);
    return facts.keys.length === 0 ? { kind: 'keyless' } : { kind: 'done', facts };
  } catch (error) {
    if (isAwsError(error, 'NoSuchEntity', 'NoSuchEntityException')) return { kind: 'gone' };
    throw error;
  }
}

export function createInventoryActivities(deps: ActivityDeps) {
  return {
    /**
     * Every IAM user of a member account (all pages), with their access keys and each key's
     * last use, tags and groups. Never holds a secret. Heartbeats once per user, so a long
     * inventory can be given a heartbeat timeout and be cancelled.
     * AccessDenied (e.g. the role cannot be assumed) is non-retryable: the account is reported failed.
     */
    async inventoryAccount(input: InventoryAccountInput): Promise<UserFacts[]> {
      const { target } = input;
      const context = Context.current();
      try {
        const iam = new SdkIamGateway(deps.aws.member(target).iam);
        // The gateway's inventoryUsers, spelled out so that each finished user heartbeats.
        const users = await iam.listUsers();
        const progress: InventoryProgress = { usersListed: users.length, usersDone: 0 };
        context.heartbeat({ ...progress });
        return await mapWithConcurrency(users, DEFAULT_INVENTORY_CONCURRENCY, async (user) => {
          const facts = await iam.getUserFacts(target.accountId, user);
          progress.usersDone++;
          context.heartbeat({ ...progress });
          return facts;
        });
      } catch (error) {
        throw toActivityFailure(error, `inventory of account ${target.accountId}`);
      }
    },

    /**
     * One page of a member account's inventory, for accounts too large for inventoryAccount's
     * single result. The IAM credential report says who the users are and who holds keys; only
     * the users with keys of this page get per-user calls (GetUser, ListAccessKeys,
     * GetAccessKeyLastUsed per key, tags, groups), a few at a time. Heartbeats after each user with
     * the users done so far, so a retried attempt picks up where the last one stopped. A user
     * deleted meanwhile is skipped. Never holds a secret. AccessDenied is non-retryable.
     * The report can be up to four hours old on AWS: keys and users newer than it are not seen.
     */
    async inventoryPage(input: InventoryPageInput): Promise<InventoryPage> {
      const { target } = input;
      const context = Context.current();
      try {
        validatePageInput(input);
        const iam = new SdkIamGateway(deps.aws.member(target).iam);
        const progress = resumeInventoryPage(context.info.heartbeatDetails, input);
        const heartbeat = (): void =>
          context.heartbeat({
            ...progress,
            done: [...progress.done],
            gone: [...progress.gone],
            keyless: [...progress.keyless],
          });

        const rows = await iam.getCredentialReport({
          sleep: async (ms) => {
            heartbeat();
            await context.sleep(ms);
          },
        });
        const plan = planInventoryPage(rows, input.afterUserName, input.maxUsers);
        const findings = await pageFindings(iam, target.accountId, plan, input.afterUserName === undefined);
        // What a previous attempt finished counts only for users still in this page.
        const planned = new Set(plan.withKeys.map((row) => row.userName));
        progress.done = progress.done.filter((facts) => planned.has(facts.userName));
        progress.gone = progress.gone.filter((userName) => planned.has(userName));
        progress.keyless = progress.keyless.filter((userName) => planned.has(userName));
        const finished = new Set([
          ...progress.done.map((facts) => facts.userName),
          ...progress.gone,
          ...progress.keyless,
        ]);
        progress.usersPlanned = plan.withKeys.length;
        heartbeat();

        const todo = plan.withKeys.filter((row) => !finished.has(row.userName));
        await mapWithConcurrency(todo, DEFAULT_INVENTORY_CONCURRENCY, async ({ userName }) => {
          const outcome = await inventoryUser(iam, target.accountId, userName);
          if (outcome.kind === 'done') progress.done.push(outcome.facts);
          else progress[outcome.kind].push(userName);
          progress.lastUserName = userName;
          heartbeat();
        });

        const factsByName = new Map(progress.done.map((facts) => [facts.userName, facts]));
        const keyless = new Set(progress.keyless);
        const users: UserFacts[] = [];
        let usersWithoutKeys = plan.withoutKeys;
        for (const { userName } of plan.withKeys) {
          const facts = factsByName.get(userName);
          if (facts !== undefined) users.push(facts);
          else if (keyless.has(userName)) usersWithoutKeys++;
        }
        const page: InventoryPage = { users, usersWithoutKeys, totalUsers: plan.totalUsers, findings };
        if (plan.nextAfterUserName !== undefined) page.nextAfterUserName = plan.nextAfterUserName;
        return page;
      } catch (error) {
        if (error instanceof CancelledFailure) throw error;
        const from = input.afterUserName === undefined ? 'first page' : `page after ${input.afterUserName}`;
        throw toActivityFailure(error, `inventory of account ${target.accountId} (${from})`);
      }
    },
  };
}
