import { startChild } from '@temporalio/workflow';
import type { AccountRef } from '../domain/inventory';
import type { OffboardingStatus } from '../domain/offboarding-report';
import { failureMessage } from './failure-message';
import type { offboardEmployee, OffboardEmployeeInput } from './offboard-employee';

/**
 * Above this many accounts an offboarding searches its accounts in child workflows (shards), so
 * no history holds one activity per account: each search is about six events, and Temporal
 * warns at 10,240 events and fails a workflow at 51,200.
 */
export const SHARD_ABOVE_ACCOUNTS = 1000;
/** Accounts per shard: about 3,000 events of history each. */
export const ACCOUNTS_PER_SHARD = 500;
/** Shards searching at once (each searches its own accounts a few at a time). */
export const SHARDS_IN_FLIGHT = 5;

export interface ShardingLimits {
  aboveAccounts: number;
  accountsPerShard: number;
}

export const DEFAULT_SHARDING: ShardingLimits = {
  aboveAccounts: SHARD_ABOVE_ACCOUNTS,
  accountsPerShard: ACCOUNTS_PER_SHARD,
};

/** What a parent offboarding gives each shard: the accounts to search and contain, nothing else. */
export interface OffboardShard {
  parentWorkflowId: string;
  index: number;
  accounts: AccountRef[];
}

/** What a shard found: its status, or why it did not finish (its accounts then count as unanswered). */
export type ShardOutcome =
  | { ok: true; shard: OffboardShard; status: OffboardingStatus }
  | { ok: false; shard: OffboardShard; error: string };

export function shardsOf(
  parentWorkflowId: string,
  accounts: readonly AccountRef[],
  size: number,
): OffboardShard[] {
  const shards: OffboardShard[] = [];
  const step = Math.max(1, Math.floor(size)); // a starter's 0 would never end
  for (let start = 0; start < accounts.length; start += step) {
    shards.push({ parentWorkflowId, index: shards.length, accounts: accounts.slice(start, start + step) });
  }
  return shards;
}

export function shardWorkflowId(parentWorkflowId: string, index: number): string {
  return `${parentWorkflowId}/shard-${index}`;
}

/**
 * Runs one shard as a child offboarding (same workflow type, `shard` set) and hands its outcome
 * to `merge` as soon as it ends, so the parent's status grows shard by shard.
 */
export async function runShard(
  workflow: typeof offboardEmployee,
  parent: Omit<OffboardEmployeeInput, 'shard' | 'sharding'>,
  shard: OffboardShard,
  merge: (outcome: ShardOutcome) => void,
): Promise<void> {
  try {
    const child = await startChild(workflow, {
      workflowId: shardWorkflowId(shard.parentWorkflowId, shard.index),
      args: [{ request: parent.request, requestedAt: parent.requestedAt, shard }],
      staticSummary: `Search and contain ${shard.accounts.length} account(s) for ${shard.parentWorkflowId}`,
    });
    merge({ ok: true, shard, status: await child.result() });
  } catch (error) {
    merge({ ok: false, shard, error: failureMessage(error) });
  }
}
