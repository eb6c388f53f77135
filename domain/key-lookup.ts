import { z } from 'zod';
import { AccessSchema } from './access';
import { accessKeyIdSchema } from './access-key-id';
import { accountIdSchema } from './ids';
import type { KeyStatus } from './inventory';

const userNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'an IAM user name is 1-64 characters from letters, digits and +=,.@_-');

const access = AccessSchema.unwrap().pick({ roleName: true, externalId: true }).shape;

/**
 * What `whois` and `doctor` ask the worker to read: one key (in the account given, else the one
 * sts:GetAccessKeyInfo names), or one user of one account. Read-only: nothing is changed.
 */
export const KeyLookupRequestSchema = z.union([
  z.strictObject({ accessKeyId: accessKeyIdSchema, accountId: accountIdSchema.optional(), ...access }),
  z.strictObject({ accountId: accountIdSchema, userName: userNameSchema, ...access }),
]);

export type KeyLookupRequest = z.output<typeof KeyLookupRequestSchema>;

/**
 * The failure type of a lookup the worker refuses because of what was asked (an account outside
 * the organization): the CLI reports it as bad input, not as a fault.
 */
export const KEY_LOOKUP_REFUSED = 'KeyLookupRefused';

export interface AccountPlacement {
  accountId: string;
  /** Absent when Organizations does not know the account (outside the organization). */
  name?: string;
  /** ACTIVE, SUSPENDED, … as Organizations reports it. */
  state?: string;
  /** OU names from the root down, e.g. 'Root/Prod/Payments'. */
  ouPath?: string;
}

export interface LookedUpKey {
  accessKeyId: string;
  status: KeyStatus;
  createDate: string;
  lastUsedDate?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
  /** The raw value of the user tag whose key is the access key ID (IAM's key description). */
  description?: string;
}

/** One labelled version of a destination, with the key ID it holds (never the secret). */
export interface StoredVersion {
  versionId: string;
  /** A secret's stages (AWSCURRENT, AWSPREVIOUS, AWSPENDING) or a parameter's labels (current, previous, pending). */
  stages: string[];
  /** Absent when the version does not hold keywarden's JSON. */
  accessKeyId?: string;
}

/** Where keywarden stored a user's key: a Secrets Manager secret or a Parameter Store parameter. */
export interface StoredKeyLocation {
  kind: 'secret' | 'parameter';
  name: string;
  arn: string;
  versions: StoredVersion[];
}

/** What AWS says about a key or user, as the worker read it. Holds no secret. */
export interface KeyLookup {
  /** The key asked about, if a key was asked about. */
  accessKeyId?: string;
  account: AccountPlacement;
  /** Absent when the key belongs to no user of the account (deleted or never existed). */
  userName?: string;
  userArn?: string;
  userExists: boolean;
  /** The asked key, when IAM still has it. */
  key?: LookedUpKey;
  /** Every key the user holds now. */
  userKeys: LookedUpKey[];
  /** keywarden deny-all policies on the user (offboarding or revocation). */
  containmentPolicies: string[];
  /** The containment time a current containment policy records. */
  containedAt?: string;
  /** What grants the user permissions: inline and managed policies, groups with policies. */
  permissionSources: string[];
  stored: StoredKeyLocation[];
}
