import type { FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { ApplicationFailure } from '@temporalio/common';
import { LRUCache } from 'lru-cache';
import { ErrorType } from '../../domain/errors';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, AwsEnvironment } from './aws-config';

/** The role keywarden assumes in each member account unless the spec names another. */
export { DEFAULT_MEMBER_ROLE_NAME } from '../../domain/access';
/** Assumed-role sessions last one hour; they are refreshed before they run out. */
export const ASSUME_ROLE_DURATION_SECONDS = 3600;
/** Refresh cached credentials this long before they expire. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/** Which role to assume in which account, under which traceable session name. */
export interface MemberRoleRef {
  accountId: string;
  roleName: string;
  externalId?: string;
  /** RoleSessionName as CloudTrail shows it, e.g. roleSessionName(campaignId). */
  sessionName: string;
}

const ACCOUNT_ID = /^\d{12}$/;
// A role name, optionally behind an IAM path ("path/to/Role").
const ROLE_NAME = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export function memberRoleArn(accountId: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ErrorType.InvalidSpec);
}

/** Throws a non-retryable InvalidSpec failure when a reference could never be assumed. Never echoes the ExternalId. */
export function validateMemberRoleRef(ref: MemberRoleRef): void {
  if (!ACCOUNT_ID.test(ref.accountId)) {
    throw invalid(`Invalid account ID ${JSON.stringify(ref.accountId)}: expected 12 digits`);
  }
  if (!ROLE_NAME.test(ref.roleName)) {
    throw invalid(`Invalid role name ${JSON.stringify(ref.roleName)}`);
  }
  if (!SESSION_NAME.test(ref.sessionName)) {
    throw invalid(
      `Invalid role session name ${JSON.stringify(ref.sessionName)}: 2-64 characters of [A-Za-z0-9_+=,.@-]`,
    );
  }
  if (ref.externalId !== undefined && !EXTERNAL_ID.test(ref.externalId)) {
    throw invalid('Invalid ExternalId: 2-1224 characters of [A-Za-z0-9_+=,.@:/-]');
  }
}

/** One cache entry per (account, role, ExternalId, session name). */
export function memberCacheKey(ref: MemberRoleRef): string {
  return JSON.stringify([ref.accountId, ref.roleName, ref.externalId ?? null, ref.sessionName]);
}

export interface MemoizeOptions {
  refreshBeforeMs?: number;
  now?: () => number;
}

/**
 * Caches credentials until `refreshBeforeMs` before they expire, and shares one in-flight
 * refresh between concurrent callers. A failed refresh is not cached: the next call tries again.
 * fromTemporaryCredentials does not memoize by itself (each call is an AssumeRole), so this
 * wrapper is what makes one provider safe to share between several clients.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  options: MemoizeOptions = {},
): AwsCredentialIdentityProvider {
  const refreshBeforeMs = options.refreshBeforeMs ?? REFRESH_BEFORE_EXPIRY_MS;
  const now = options.now ?? Date.now;
  let current: AwsCredentialIdentity | undefined;
  let inFlight: Promise<AwsCredentialIdentity> | undefined;

  const fresh = (creds: AwsCredentialIdentity): boolean =>
    creds.expiration === undefined || creds.expiration.getTime() - now() > refreshBeforeMs;

  return () => {
    if (current !== undefined && fresh(current)) return Promise.resolve(current);
    inFlight ??= provider().then(
      (creds) => {
        current = creds;
        inFlight = undefined;
        return creds;
      },
      (err: unknown) => {
        inFlight = undefined;
        throw err;
      },
    );
    return inFlight;
  };
}

export type TemporaryCredentialsFactory = (
  options: FromTemporaryCredentialsOptions,
) => AwsCredentialIdentityProvider;

export interface MemberCredentialsOptions {
  durationSeconds?: number;
  refreshBeforeMs?: number;
  /** Replaceable for tests; defaults to the SDK's fromTemporaryCredentials. */
  temporaryCredentials?: TemporaryCredentialsFactory;
  /** SDK plugins for the STS client that calls AssumeRole (AwsClients names failed calls with one). */
  clientPlugins?: FromTemporaryCredentialsOptions['clientPlugins'];
  /** Providers kept, the least recently used dropped first (a dropped one assumes the role anew). */
  maxCached?: number;
  /** Sends the AssumeRole calls (AwsClients shares its connection pool); the SDK's own if unset. */
  requestHandler?: NonNullable<FromTemporaryCredentialsOptions['clientConfig']>['requestHandler'];
}

/**
 * Member account sessions (account, role, ExternalId, session name) whose credentials (and, in
 * AwsClients, clients) a worker keeps unless told. One session's clients hold about 60 KiB of
 * heap: an organization of 10,000 accounts would otherwise keep all of theirs for ever. A dropped
 * provider's own STS client is not closed: its connections belong to the shared pool when
 * AwsClients built it, and otherwise stay until AWS closes them.
 */
export const MEMBER_ACCOUNTS_CACHED = 256;

/**
 * Assumed-role credentials for member accounts: one cached, self-refreshing provider per
 * (account, role, ExternalId, session name), for the `maxCached` most recently used.
 */
export class MemberCredentials {
  private readonly providers: LRUCache<string, AwsCredentialIdentityProvider>;
  private baseProvider: AwsCredentialIdentityProvider | undefined;

  constructor(
    private readonly env: AwsEnvironment,
    private readonly options: MemberCredentialsOptions = {},
  ) {
    this.providers = new LRUCache({ max: options.maxCached ?? MEMBER_ACCOUNTS_CACHED });
  }

  /** Credentials of the worker itself (management account): the given ones or the default chain. */
  base(): AwsCredentialIdentityProvider {
    this.baseProvider ??= this.env.baseCredentials ?? fromNodeProviderChain();
    return this.baseProvider;
  }

  provider(ref: MemberRoleRef): AwsCredentialIdentityProvider {
    validateMemberRoleRef(ref);
    const key = memberCacheKey(ref);
    let provider = this.providers.get(key);
    if (provider === undefined) {
      provider = memoizeCredentials(this.build(ref), { refreshBeforeMs: this.options.refreshBeforeMs });
      this.providers.set(key, provider);
    }
    return provider;
  }

  /** Number of cached providers (for tests and metrics). */
  get size(): number {
    return this.providers.size;
  }

  clear(): void {
    this.providers.clear();
  }

  private build(ref: MemberRoleRef): AwsCredentialIdentityProvider {
    const factory = this.options.temporaryCredentials ?? fromTemporaryCredentials;
    const params: FromTemporaryCredentialsOptions['params'] = {
      RoleArn: memberRoleArn(ref.accountId, ref.roleName),
      RoleSessionName: ref.sessionName,
      DurationSeconds: this.options.durationSeconds ?? ASSUME_ROLE_DURATION_SECONDS,
    };
    if (ref.externalId !== undefined) params.ExternalId = ref.externalId;
    const clientConfig: NonNullable<FromTemporaryCredentialsOptions['clientConfig']> = {
      region: this.env.region,
      maxAttempts: 2,
    };
    if (this.env.endpoint !== undefined) clientConfig.endpoint = this.env.endpoint;
    if (this.options.requestHandler !== undefined) clientConfig.requestHandler = this.options.requestHandler;
    const options: FromTemporaryCredentialsOptions = { params, masterCredentials: this.base(), clientConfig };
    if (this.options.clientPlugins !== undefined) options.clientPlugins = this.options.clientPlugins;
    return factory(options);
  }
}
