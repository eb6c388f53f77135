import { Context } from '@temporalio/activity';
import type { UserFacts } from '../domain/inventory';
import type { MemberRoleRef } from './aws/credentials';
import { toActivityFailure } from './aws/errors';
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
  };
}
