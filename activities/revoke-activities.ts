import type { AccessSettings } from '../domain/access';
import type { MemberRoleRef } from './aws/credentials';
import { toActivityFailure } from './aws/errors';
import { mapWithConcurrency, SdkIamGateway } from './aws/iam-gateway';
import { SdkOrganizationsGateway } from './aws/organizations-gateway';
import { accessKeyAccount } from './aws/sts-gateway';
import type { ActivityDeps } from './deps';
import {
  REVOKED_SESSIONS_POLICY_NAME,
  revokedSessionsPolicyDocument,
  revokedSessionsTime,
} from './revocation-policy';

export interface LocateAccessKeyInput {
  accessKeyId: string;
  access: Pick<AccessSettings, 'roleName' | 'externalId'>;
  sessionName: string;
}

/** Where a key lives. Never holds a secret. */
export type LocatedAccessKey =
  | {
      found: true;
      accountId: string;
      accountName: string;
      userName: string;
      status: 'Active' | 'Inactive';
      createDate: string;
    }
  | { found: false; reason: 'outside-organization' | 'not-found'; accountId: string; message: string };

export interface DenyEarlierSessionsInput {
  target: MemberRoleRef;
  userName: string;
  /** ISO-8601, chosen by the workflow, so a retry puts the same document. */
  issuedBefore: string;
}

export interface DenyEarlierSessionsResult {
  policyName: string;
  /** The time the policy now denies sessions before: ours, or a later one already there. */
  sessionsDeniedBefore: string;
}

/** Users whose keys are listed at once while searching an account. */
const KEY_LOOKUP_CONCURRENCY = 4;

export function createRevokeActivities(deps: ActivityDeps) {
  return {
    /**
     * Finds a key's account with sts:GetAccessKeyInfo, checks that the account is a member of the
     * organization (Organizations ListAccounts), and finds the key's user by listing the users'
     * keys in that account through the member role. Changes nothing.
     */
    async locateAccessKey(input: LocateAccessKeyInput): Promise<LocatedAccessKey> {
      const { accessKeyId } = input;
      let step = `asking STS which account owns key ${accessKeyId}`;
      try {
        const management = deps.aws.management();
        const accountId = (await accessKeyAccount(management.sts, accessKeyId)) ?? '';
        step = 'listing the accounts of the organization';
        const accounts = await new SdkOrganizationsGateway(management.organizations).listAccounts();
        const account = accounts.find((a) => a.accountId === accountId);
        if (account === undefined) {
          return {
            found: false,
            reason: 'outside-organization',
            accountId,
            message:
              `key ${accessKeyId} belongs to account ${accountId || '(none given)'}, which is not a member of ` +
              'this organization: keywarden cannot act there. Report it to that account’s owner (or to AWS ' +
              'if it is not yours); nothing was changed',
          };
        }
        step = `searching the IAM users of account ${accountId} for key ${accessKeyId}`;
        const target: MemberRoleRef = {
          accountId,
          roleName: input.access.roleName,
          sessionName: input.sessionName,
          ...(input.access.externalId === undefined ? {} : { externalId: input.access.externalId }),
        };
        const iam = new SdkIamGateway(deps.aws.member(target).iam);
        const users = await iam.listUsers();
        const holders = await mapWithConcurrency(users, KEY_LOOKUP_CONCURRENCY, async (user) => {
          const key = (await iam.listAccessKeys(user.userName)).find((k) => k.accessKeyId === accessKeyId);
          return key === undefined ? undefined : { userName: user.userName, key };
        });
        const holder = holders.find((h) => h !== undefined);
        if (holder === undefined) {
          return {
            found: false,
            reason: 'not-found',
            accountId,
            message:
              `no IAM user of account ${accountId} (${account.name}) holds key ${accessKeyId}: it was deleted ` +
              'already, or never existed; nothing was changed',
          };
        }
        return {
          found: true,
          accountId,
          accountName: account.name,
          userName: holder.userName,
          status: holder.key.status,
          createDate: holder.key.createDate,
        };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },

    /**
     * Puts the inline policy that denies every session issued before `issuedBefore`, so temporary
     * credentials made from the leaked key stop working. Idempotent; a later time already in the
     * policy (another revocation of the same user) is kept, since it denies more.
     */
    async denyEarlierSessions(input: DenyEarlierSessionsInput): Promise<DenyEarlierSessionsResult> {
      const { target, userName, issuedBefore } = input;
      try {
        const iam = new SdkIamGateway(deps.aws.member(target).iam);
        const existing = revokedSessionsTime(await iam.getUserPolicy(userName, REVOKED_SESSIONS_POLICY_NAME));
        if (existing !== undefined && Date.parse(existing) >= Date.parse(issuedBefore)) {
          return { policyName: REVOKED_SESSIONS_POLICY_NAME, sessionsDeniedBefore: existing };
        }
        await iam.putUserPolicy(
          userName,
          REVOKED_SESSIONS_POLICY_NAME,
          revokedSessionsPolicyDocument(issuedBefore),
        );
        return { policyName: REVOKED_SESSIONS_POLICY_NAME, sessionsDeniedBefore: issuedBefore };
      } catch (error) {
        throw toActivityFailure(
          error,
          `denying the earlier sessions of user ${userName} in account ${target.accountId}`,
        );
      }
    },
  };
}
