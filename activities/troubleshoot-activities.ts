import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { ErrorType } from '../domain/errors';
import {
  KEY_LOOKUP_REFUSED,
  KeyLookupRequestSchema,
  type KeyLookup,
  type LookedUpKey,
} from '../domain/key-lookup';
import { roleSessionName } from '../domain/session-name';
import { describeAccountPlacement } from './aws/account-placement';
import type { MemberRoleRef } from './aws/credentials';
import { toActivityFailure } from './aws/errors';
import { SdkIamGateway, type IamGateway } from './aws/iam-gateway';
import { DEFAULT_PARAMETER_NAME_TEMPLATE } from '../domain/key-destination';
import { parseKeyDescriptionTag } from '../domain/key-description-tag';
import { renderSecretName } from '../domain/secret-name';
import { SdkParameterGateway } from './aws/parameter-gateway';
import { SdkSecretsGateway } from './aws/secrets-gateway';
import { accessKeyAccount } from './aws/sts-gateway';
import type { ActivityDeps } from './deps';
import { findStoredKeys, findStoredParameters } from './key-storage-lookup';
import { isContainmentPolicy, sessionsIssuedBefore } from './offboarding-policy';

/** The session name troubleshooting reads show in CloudTrail. */
export const TROUBLESHOOT_SESSION = roleSessionName('troubleshoot');

/** What grants the user permissions, and the keywarden deny-all policies on it. */
async function readPolicies(
  iam: IamGateway,
  userName: string,
): Promise<Pick<KeyLookup, 'containmentPolicies' | 'containedAt' | 'permissionSources'>> {
  const result: Pick<KeyLookup, 'containmentPolicies' | 'containedAt' | 'permissionSources'> = {
    containmentPolicies: [],
    permissionSources: [],
  };
  for (const policyName of await iam.listUserPolicies(userName)) {
    const document = await iam.getUserPolicy(userName, policyName);
    if (!isContainmentPolicy(document)) {
      result.permissionSources.push(`inline policy ${policyName}`);
      continue;
    }
    result.containmentPolicies.push(policyName);
    const since = sessionsIssuedBefore(document);
    if (since !== undefined) result.containedAt = since;
  }
  for (const policy of await iam.listAttachedUserPolicies(userName)) {
    result.permissionSources.push(`managed policy ${policy.policyName}`);
  }
  for (const group of await iam.listGroupsForUser(userName)) {
    const count =
      (await iam.listGroupPolicies(group)).length + (await iam.listAttachedGroupPolicies(group)).length;
    if (count > 0)
      result.permissionSources.push(`group ${group} (${count} ${count === 1 ? 'policy' : 'policies'})`);
  }
  return result;
}

export function createTroubleshootActivities(deps: ActivityDeps) {
  return {
    /**
     * Reads everything `whois` and `doctor` show about a key or a user: the account's place in the
     * organization, the user, its keys with their last use and description tags, what grants it
     * permissions, keywarden deny-all policies on it, and where keywarden stored its key (key IDs
     * and staging labels, never a secret). Changes nothing.
     */
    async lookUpKey(input: unknown): Promise<KeyLookup> {
      const parsed = KeyLookupRequestSchema.safeParse(input);
      if (!parsed.success) {
        throw ApplicationFailure.nonRetryable(
          `bad lookup request: ${z.prettifyError(parsed.error)}`,
          ErrorType.InvalidSpec,
        );
      }
      const request = parsed.data;
      const askedKey = 'accessKeyId' in request ? request.accessKeyId : undefined;
      let step = askedKey === undefined ? 'reading the account' : `finding the account of key ${askedKey}`;
      try {
        const management = deps.aws.management();
        let accountId: string;
        if (request.accountId !== undefined) accountId = request.accountId;
        else {
          const key = askedKey as string;
          const owner = await accessKeyAccount(management.sts, key);
          if (owner === undefined) {
            throw ApplicationFailure.nonRetryable(
              `AWS names no account for key ${key}`,
              ErrorType.NoSuchEntity,
            );
          }
          accountId = owner;
        }
        step = `reading account ${accountId} from AWS Organizations`;
        const account = await describeAccountPlacement(management.organizations, accountId);
        if (account.name === undefined) {
          throw ApplicationFailure.nonRetryable(
            (request.accountId === undefined
              ? `key ${askedKey} belongs to account ${accountId}, which`
              : `account ${accountId}`) +
              ' is not an account of this organization: keywarden reads only the accounts of its organization',
            KEY_LOOKUP_REFUSED,
          );
        }

        const target: MemberRoleRef = {
          accountId,
          roleName: request.roleName,
          sessionName: TROUBLESHOOT_SESSION,
          ...(request.externalId === undefined ? {} : { externalId: request.externalId }),
        };
        const clients = deps.aws.member(target);
        const iam = new SdkIamGateway(clients.iam);
        const lookup: KeyLookup = {
          account,
          userExists: false,
          userKeys: [],
          containmentPolicies: [],
          permissionSources: [],
          stored: [],
          ...(askedKey === undefined ? {} : { accessKeyId: askedKey }),
        };

        let userName: string;
        if ('userName' in request) userName = request.userName;
        else {
          step = `finding the user of key ${askedKey} in account ${accountId}`;
          const owner = await iam.findAccessKeyOwner(askedKey as string);
          if (owner === undefined) return lookup;
          userName = owner.userName;
        }
        lookup.userName = userName;
        step = `reading user ${userName} in account ${accountId}`;
        const user = await iam.getUser(userName);
        if (user === undefined) return lookup;
        lookup.userExists = true;
        lookup.userArn = user.arn;

        const tags = await iam.listUserTags(userName);
        for (const key of await iam.listAccessKeys(userName)) {
          const described: LookedUpKey = { ...key, ...(await iam.getAccessKeyLastUsed(key.accessKeyId)) };
          const description = tags[key.accessKeyId];
          if (description !== undefined) described.description = description;
          lookup.userKeys.push(described);
        }
        const asked = lookup.userKeys.find((k) => k.accessKeyId === askedKey);
        if (asked !== undefined) lookup.key = asked;

        step = `reading the policies of user ${userName} in account ${accountId}`;
        Object.assign(lookup, await readPolicies(iam, userName));

        step = `looking for the stored key of user ${userName} in account ${accountId}`;
        const keyIds = new Set(lookup.userKeys.map((k) => k.accessKeyId));
        if (askedKey !== undefined) keyIds.add(askedKey);
        lookup.stored = await findStoredKeys(new SdkSecretsGateway(clients.secrets), userName, keyIds);
        // Parameters: where the keys' description tags say they are, and the default name.
        const parameterNames = lookup.userKeys.flatMap((k) => {
          const stored =
            k.description === undefined ? undefined : parseKeyDescriptionTag(k.description)?.stored;
          return stored?.type === 'ssm-parameter' ? [stored.name] : [];
        });
        parameterNames.push(renderSecretName(DEFAULT_PARAMETER_NAME_TEMPLATE, { accountId, userName }));
        lookup.stored.push(
          ...(await findStoredParameters(new SdkParameterGateway(clients.ssm), parameterNames)),
        );
        return lookup;
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },
  };
}
