import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { LRUCache } from 'lru-cache';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, AwsEnvironment } from './aws-config';
import { ConnectionPool } from './connection-pool';
import type { MemberRoleRef } from './credentials';
import { MEMBER_ACCOUNTS_CACHED, MemberCredentials, memberCacheKey } from './credentials';
import { labelOperation } from './errors';

/**
 * SDK-level retries stay low: Temporal's activity retry policy owns backoff, so a throttled
 * call surfaces quickly as a retryable failure instead of hiding inside the SDK.
 */
export const SDK_MAX_ATTEMPTS = 2;

export interface RetryPolicy {
  maxAttempts: number;
  /** The SDK's 'standard' mode unless set. */
  retryMode?: 'standard' | 'adaptive';
}

/**
 * IAM is the exception. IAM throttles each account's API calls at low rates, and an inventory
 * sends hundreds of calls into one account through this one cached client: failing the activity
 * on the first throttle would redo a whole page. The SDK's adaptive mode retries a throttled call
 * and also lowers the client's own send rate while IAM throttles (raising it again after), so all
 * the calls into that account slow down together instead of failing.
 */
export const IAM_RETRY: RetryPolicy = { maxAttempts: 5, retryMode: 'adaptive' };
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: SDK_MAX_ATTEMPTS };

export interface ManagementClients {
  organizations: OrganizationsClient;
  iam: IAMClient;
  sts: STSClient;
}

export interface MemberClients {
  iam: IAMClient;
  secrets: SecretsManagerClient;
  ssm: SSMClient;
  sts: STSClient;
}

interface Destroyable {
  destroy(): void;
}

/** One AWS call as an observer sees it: names only, never parameters or responses. */
export interface ObservedCommand {
  service: string;
  commandName: string;
  /** The call as an IAM action, e.g. 'iam:ListAccessKeys' (see domain/aws-permissions.ts). */
  operation: string;
  /** 'management', or the member account the client signs into. */
  account: string;
  /** The request's UserName, when it has one (IAM user calls); never any other parameter. */
  userName?: string;
}

export type CommandObserver = (service: string, commandName: string, call: ObservedCommand) => void;

export interface AwsClientsOptions {
  /** Member accounts (account and role) whose clients are kept; the least recently used go first. */
  maxMemberAccounts?: number;
  /**
   * Called before every command a client of this set sends (applied as SDK middleware), and
   * before the AssumeRole calls behind member credentials when AwsClients builds those. For
   * audits and tests, e.g. to prove the order of calls or which permissions are used; it must
   * not throw.
   */
  onCommand?: CommandObserver;
}

/** 'iam' and 'ListAccessKeysCommand' give 'iam:ListAccessKeys', the IAM action of the call. */
export function awsOperationName(service: string, commandName: string): string {
  return `${service}:${commandName.replace(/Command$/, '')}`;
}

type Handler = (args: { input: object }) => Promise<unknown>;

/** The part of an SDK client's middleware stack that keywarden uses. */
interface CommandStack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: 'initialize'; name: string; override: boolean },
  ): void;
}

/**
 * SDK middleware for every client keywarden builds: it names the operation on any error the
 * call throws (so an AccessDenied can say which permission is missing), and tells the
 * observer, if any, about the call.
 */
export function commandMiddleware(service: string, account: string, onCommand?: CommandObserver) {
  return {
    applyToStack(stack: CommandStack): void {
      stack.add(
        (next, context) => async (args) => {
          const commandName = context.commandName ?? 'UnknownCommand';
          const operation = awsOperationName(service, commandName);
          if (onCommand !== undefined) {
            const input = args.input as { UserName?: unknown };
            const call: ObservedCommand = { service, commandName, operation, account };
            if (typeof input.UserName === 'string') call.userName = input.UserName;
            onCommand(service, commandName, call);
          }
          try {
            return await next(args);
          } catch (error) {
            labelOperation(error, operation);
            throw error;
          }
        },
        // Override: the credential provider applies its plugins again on every refresh.
        { step: 'initialize', name: 'keywardenCommandMiddleware', override: true },
      );
    },
  };
}

interface Observable extends Destroyable {
  middlewareStack: { use(plugin: ReturnType<typeof commandMiddleware>): void };
}

interface CommonClientConfig extends RetryPolicy {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  endpoint?: string;
  requestHandler?: ConnectionPool;
}

/**
 * The worker's AWS clients: one instance per (account/role, region, service), built on demand.
 * The management account's are kept for the life of the worker; member accounts' for the
 * `maxMemberAccounts` most recently used. Member clients sign with the cached, refreshing
 * assumed-role provider of `MemberCredentials`. All of them, and the STS clients behind member
 * credentials that AwsClients builds, send over one ConnectionPool.
 */
export class AwsClients {
  readonly credentials: MemberCredentials;
  private readonly pool = new ConnectionPool();
  private readonly cache = new Map<string, Destroyable>();
  /**
   * An evicted account's clients are dropped, not destroyed: a call of theirs may still be in
   * flight, and their connections belong to the pool.
   */
  private readonly members: LRUCache<string, Map<string, Destroyable>>;

  constructor(
    readonly env: AwsEnvironment,
    credentials?: MemberCredentials,
    private readonly options: AwsClientsOptions = {},
  ) {
    const maxMemberAccounts = options.maxMemberAccounts ?? MEMBER_ACCOUNTS_CACHED;
    this.credentials =
      credentials ??
      new MemberCredentials(env, {
        clientPlugins: [commandMiddleware('sts', 'management', options.onCommand)],
        maxCached: maxMemberAccounts,
        requestHandler: this.pool,
      });
    this.members = new LRUCache<string, Map<string, Destroyable>>({ max: maxMemberAccounts });
  }

  /** Clients of the management account, signed with the base credentials. */
  management(): ManagementClients {
    const credentials = this.credentials.base();
    return {
      organizations: this.cached(
        'management',
        'organizations',
        () => new OrganizationsClient(this.config(credentials)),
      ),
      iam: this.cached('management', 'iam', () => new IAMClient(this.config(credentials, IAM_RETRY))),
      sts: this.cached('management', 'sts', () => new STSClient(this.config(credentials))),
    };
  }

  /** SQS in the worker's own account (the drift monitor's queue), signed with the base credentials. */
  managementSqs(): SQSClient {
    const credentials = this.credentials.base();
    return this.cached('management', 'sqs', () => new SQSClient(this.config(credentials)));
  }

  /** SES in the worker's own account (notification e-mail), signed with the base credentials. */
  managementSes(): SESClient {
    const credentials = this.credentials.base();
    return this.cached('management', 'ses', () => new SESClient(this.config(credentials)));
  }

  /** Clients of one member account, signed with credentials from AssumeRole into that account. */
  member(ref: MemberRoleRef): MemberClients {
    const credentials = this.credentials.provider(ref);
    const owner = memberCacheKey(ref);
    let entry = this.members.get(owner);
    if (entry === undefined) {
      entry = new Map();
      this.members.set(owner, entry);
    }
    const clients = entry;
    const cached = <T extends Destroyable>(service: string, build: () => T): T => {
      let client = clients.get(service);
      if (client === undefined) {
        client = build();
        this.observe(client as unknown as Observable, service, ref.accountId);
        clients.set(service, client);
      }
      return client as T;
    };
    const config = this.config.bind(this);
    return {
      iam: cached('iam', () => new IAMClient(config(credentials, IAM_RETRY))),
      // The others are built on first use: an offboarding only needs IAM, and only campaigns
      // that store keys in Parameter Store need SSM.
      get secrets() {
        return cached('secretsmanager', () => new SecretsManagerClient(config(credentials)));
      },
      get ssm() {
        return cached('ssm', () => new SSMClient(config(credentials)));
      },
      get sts() {
        return cached('sts', () => new STSClient(config(credentials)));
      },
    };
  }

  /**
   * A one-off STS client signed with explicit key credentials (to prove a new key works).
   * Never cached, so no secret outlives the call: the caller must `destroy()` it when done.
   */
  clientForCredentials(creds: AwsCredentialIdentity): STSClient {
    return stsClientForCredentials(this.env, creds);
  }

  /** Number of cached client instances (for tests and metrics). */
  get size(): number {
    let members = 0;
    for (const clients of this.members.values()) members += clients.size;
    return this.cache.size + members;
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
    for (const clients of this.members.values()) for (const client of clients.values()) client.destroy();
    this.members.clear();
    this.credentials.clear();
    this.pool.close();
  }

  private cached<T extends Destroyable>(owner: string, service: string, build: () => T, account = owner): T {
    const key = `${owner}|${this.env.region}|${service}`;
    let client = this.cache.get(key);
    if (client === undefined) {
      client = build();
      this.observe(client as unknown as Observable, service, account);
      this.cache.set(key, client);
    }
    return client as T;
  }

  private observe(client: Observable, service: string, account: string): void {
    client.middlewareStack.use(commandMiddleware(service, account, this.options.onCommand));
  }

  private config(
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
    retry: RetryPolicy = DEFAULT_RETRY,
  ): CommonClientConfig {
    return { ...clientConfig(this.env, credentials, retry), requestHandler: this.pool };
  }
}

function clientConfig(
  env: AwsEnvironment,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  retry: RetryPolicy = DEFAULT_RETRY,
): CommonClientConfig {
  const config: CommonClientConfig = { region: env.region, ...retry, credentials };
  if (env.endpoint !== undefined) config.endpoint = env.endpoint;
  return config;
}

/** See AwsClients.clientForCredentials: signs with exactly these credentials, never the chain. */
export function stsClientForCredentials(env: AwsEnvironment, creds: AwsCredentialIdentity): STSClient {
  const { accessKeyId, secretAccessKey, sessionToken } = creds;
  const staticCreds: AwsCredentialIdentity =
    sessionToken === undefined
      ? { accessKeyId, secretAccessKey }
      : { accessKeyId, secretAccessKey, sessionToken };
  return new STSClient(clientConfig(env, staticCreds));
}
