import type { RoundDecision } from '../domain/approval-state';
import type { CampaignCarryOver, CampaignSharding } from '../domain/campaign-input';
import { merkleProofs, merkleRoot, rootFromProof } from '../domain/plan-digest';
import { addCounts, type CampaignStatus } from '../domain/rotation-report';

/**
 * A campaign over more than limits.accountsPerShard accounts runs them in shards: child campaigns
 * (the same workflow type) of at most that many accounts, under the campaign's own gate. Without
 * them the campaign carried an entry for every account waiting at the gate across continue-as-new
 * (past Temporal's 2 MB payload limit at about 8,600 accounts) and sent every decision from one
 * history. Runs from before list and start their accounts themselves.
 */
export const SHARDED_CAMPAIGNS = 'campaigns-in-shards';

/** For a campaign started by a client from before the limit existed. */
export const DEFAULT_ACCOUNTS_PER_SHARD = 500;

export function shardKey(index: number): string {
  return `shard-${index}`;
}

export function campaignShardWorkflowId(campaignId: string, index: number): string {
  return `${campaignId}/${shardKey(index)}`;
}

/**
 * Divides limits.maxAccountsInFlight among the shards that work at once, so that together they
 * never run more accounts than the limit (each shard runs at least one).
 */
export function planSharding(
  accountsInScope: number,
  accountsPerShard: number,
  maxAccountsInFlight: number,
): CampaignSharding {
  const shards = Math.ceil(accountsInScope / accountsPerShard);
  const shardsInFlight = Math.max(1, Math.min(shards, maxAccountsInFlight));
  return {
    accountsPerShard,
    shardsInFlight,
    accountsInFlightPerShard: Math.max(1, Math.floor(maxAccountsInFlight / shardsInFlight)),
    shardsStarted: 0,
  };
}

/**
 * The decision a shard passes to each of its accounts: its proof of inclusion runs from the
 * account's leaf up to the shard's root (this shard's tree), then on to the plan the approvers
 * signed (the campaign's proof for the shard). The account checks it against the signed digest,
 * as it does in a campaign without shards. Accounts not in `leaves` get nothing.
 */
export function decisionsForAccounts(
  decision: RoundDecision,
  leaves: readonly string[],
): Map<string, RoundDecision> {
  const out = new Map<string, RoundDecision>();
  for (const [leaf, proof] of merkleProofs(leaves)) {
    out.set(leaf, { ...decision, accountProof: [...proof, ...(decision.accountProof ?? [])] });
  }
  return out;
}

/**
 * Why a shard may not pass an approval on: its accounts' plans, as they await the decision now,
 * are not the part of the signed plan the campaign says they are. Undefined when it may.
 */
export function shardPlanProblem(decision: RoundDecision, leaves: readonly string[]): string | undefined {
  if (decision.outcome !== 'approved') return undefined;
  if (decision.planDigest === undefined || decision.accountProof === undefined) {
    return 'the decision does not say which plan was approved';
  }
  return rootFromProof(merkleRoot(leaves), decision.accountProof) === decision.planDigest
    ? undefined
    : "the plan approved does not hold this shard's accounts as they await the decision now";
}

/** Failed accounts a shard's result lists (it counts them all). */
export const SHARD_FAILURES_LISTED = 100;
/** Failed accounts a sharded campaign lists across its continue-as-new and in its result. */
export const CAMPAIGN_FAILURES_LISTED = 1000;

/** The size of the next shard: the accounts left, spread evenly over the shards left. */
export function nextShardSize(
  sharding: CampaignSharding,
  accountsInScope: number,
  accountsLeft: number,
): number {
  const shards = Math.ceil(accountsInScope / sharding.accountsPerShard);
  const shardsLeft = Math.max(1, shards - sharding.shardsStarted);
  return Math.min(sharding.accountsPerShard, Math.ceil(accountsLeft / shardsLeft));
}

/** Adds a finished shard's accounts to the campaign's counts; failures beyond a bound are only counted. */
export function mergeShard(carry: CampaignCarryOver, key: string, status: CampaignStatus): void {
  carry.finished += status.accounts.finished;
  carry.notStarted += status.accounts.notStarted;
  carry.userCounts = addCounts(carry.userCounts, status.users);
  carry.usersWithoutKeys = (carry.usersWithoutKeys ?? 0) + status.usersWithoutKeys;
  const failures = [...status.failedAccounts];
  if (status.phase === 'failed') {
    failures.push({ accountId: key, error: `the shard failed: ${status.error ?? 'no reason given'}` });
  }
  const room = Math.max(0, CAMPAIGN_FAILURES_LISTED - carry.failedAccounts.length);
  carry.failedAccounts.push(...failures.slice(0, room));
  const unlisted = Math.max(0, failures.length - room);
  const notInShardList = Math.max(0, status.accounts.failed - status.failedAccounts.length);
  if (unlisted + notInShardList > 0) {
    carry.failedNotListed = (carry.failedNotListed ?? 0) + unlisted + notInShardList;
  }
}
