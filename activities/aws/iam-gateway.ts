import type { AccessKeyLastUsed, IAMClient, StatusType, User } from '@aws-sdk/client-iam';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListServiceSpecificCredentialsCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  paginateListAttachedGroupPolicies,
  paginateListAttachedUserPolicies,
  paginateListGroupPolicies,
  paginateListGroupsForUser,
  paginateListMFADevices,
  paginateListSigningCertificates,
  paginateListSSHPublicKeys,
  paginateListUserPolicies,
  paginateListUsers,
  paginateListUserTags,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { AccessKeyFacts, KeyStatus, UserFacts } from '../../domain/inventory';
import type { CredentialReportRow } from './credential-report';
import { parseCredentialReport } from './credential-report';
import { isAwsError } from './errors';

export interface UserSummary {
  userName: string;
  userId: string;
  arn: string;
  path: string;
  /** ISO-8601. */
  createDate: string;
}

export type AccessKeySummary = Pick<AccessKeyFacts, 'accessKeyId' | 'status' | 'createDate'>;
export type AccessKeyLastUse = Pick<AccessKeyFacts, 'lastUsedDate' | 'lastUsedService' | 'lastUsedRegion'>;

/**
 * A new key pair. The secret must never leave the activity that created it: store it in the
 * destination there and return only the key ID. Never log it, return it or put it in an error.
 */
export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * How many times the SDK sent CreateAccessKey to get this answer. Above 1, an earlier try whose
   * answer was lost may have made a key too.
   */
  sdkAttempts?: number;
}

export interface LoginProfileInfo {
  createDate: string;
  passwordResetRequired: boolean;
}

export interface CredentialItem {
  id: string;
  status: KeyStatus;
}

export interface ServiceSpecificCredentialItem extends CredentialItem {
  serviceName: string;
}

export interface MfaDeviceInfo {
  serialNumber: string;
  enableDate: string;
  /** Virtual devices (ARN serials) can be deleted after deactivation; hardware ones cannot. */
  virtual: boolean;
}

export interface AttachedPolicy {
  policyArn: string;
  policyName: string;
}

/** One user as GetAccountAuthorizationDetails describes it: who it is and what it holds, in one read. */
export interface UserAuthorizationDetails {
  userName: string;
  tags: Record<string, string>;
  groups: string[];
  attachedPolicyArns: string[];
  /** Inline policy documents by policy name, decoded. */
  inlinePolicies: Record<string, string>;
}

/** Users per GetAccountAuthorizationDetails page (IAM's maximum). */
const AUTHORIZATION_DETAILS_PAGE_SIZE = 1000;

export interface CredentialReportOptions {
  /** How often to ask for the report before giving up with CredentialReportNotReadyError. */
  maxPolls?: number;
  /** The wait between two polls. */
  pollIntervalMs?: number;
  /** How to wait between polls: an activity passes one that heartbeats and honours cancellation. */
  sleep?: (ms: number) => Promise<void>;
}

export const CREDENTIAL_REPORT_MAX_POLLS = 30;
export const CREDENTIAL_REPORT_POLL_INTERVAL_MS = 2000;

/**
 * The credential report was still being generated after the bounded polling. A plain error (no
 * AWS fault), so toActivityFailure makes it a retryable failure: the next attempt polls again.
 */
export class CredentialReportNotReadyError extends Error {
  override readonly name = 'CredentialReportNotReady';
}

/** GetCredentialReport answers these while a report is being made, or when there is none (yet). */
const REPORT_NOT_READY = [
  'ReportInProgress',
  'CredentialReportNotReadyException',
  'ReportNotPresent',
  'CredentialReportNotPresentException',
  'ReportExpired',
  'CredentialReportExpiredException',
];
/** GenerateCredentialReport answers LimitExceeded to too many generation requests: wait and ask again. */
const GENERATE_BUSY = ['LimitExceeded', 'LimitExceededException'];

/**
 * IAM of one account, as keywarden uses it. Each method is a thin mapping to one API (all
 * pages when the API pages). Deletions, detaches and removals are idempotent: they return
 * false when the thing was already gone, so a retried activity does not fail on its own success.
 */
export interface IamGateway {
  listUsers(): Promise<UserSummary[]>;
  /**
   * Every user with its tags, groups, attached and inline policies: one call per 1,000 users
   * (GetAccountAuthorizationDetails, Filter User) instead of several calls per user.
   */
  userAuthorizationDetails(): Promise<UserAuthorizationDetails[]>;
  getUser(userName: string): Promise<UserSummary | undefined>;
  listAccessKeys(userName: string): Promise<AccessKeySummary[]>;
  getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUse>;
  /** The user who holds the key, with its last use; undefined when no user of the account does. */
  findAccessKeyOwner(accessKeyId: string): Promise<(AccessKeyLastUse & { userName: string }) | undefined>;
  listUserTags(userName: string): Promise<Record<string, string>>;
  listGroupsForUser(userName: string): Promise<string[]>;
  getUserFacts(accountId: string, user: UserSummary): Promise<UserFacts>;
  inventoryUsers(accountId: string, concurrency?: number): Promise<UserFacts[]>;
  /**
   * Every IAM user of the account as the credential report lists them (the root account's row
   * left out): GenerateCredentialReport until COMPLETE (bounded polling), then GetCredentialReport.
   * AWS hands out a report up to four hours old, so keys and users newer than the report are not in it.
   */
  getCredentialReport(options?: CredentialReportOptions): Promise<CredentialReportRow[]>;
  /** GetAccountSummary's AccountAccessKeysPresent: whether the account's root user has access keys. */
  rootAccessKeysPresent(): Promise<boolean>;

  createAccessKey(userName: string): Promise<NewAccessKey>;
  updateAccessKeyStatus(userName: string, accessKeyId: string, status: KeyStatus): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<boolean>;
  /** Sets one user tag (replacing its value if the key exists). */
  tagUser(userName: string, key: string, value: string): Promise<void>;
  /** Removes one user tag. Idempotent: a missing tag or user is not an error. */
  untagUser(userName: string, key: string): Promise<void>;

  getLoginProfile(userName: string): Promise<LoginProfileInfo | undefined>;
  deleteLoginProfile(userName: string): Promise<boolean>;
  listSigningCertificates(userName: string): Promise<CredentialItem[]>;
  deleteSigningCertificate(userName: string, certificateId: string): Promise<boolean>;
  listSshPublicKeys(userName: string): Promise<CredentialItem[]>;
  deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<boolean>;
  listServiceSpecificCredentials(userName: string): Promise<ServiceSpecificCredentialItem[]>;
  deleteServiceSpecificCredential(userName: string, credentialId: string): Promise<boolean>;
  listMfaDevices(userName: string): Promise<MfaDeviceInfo[]>;
  deactivateMfaDevice(userName: string, serialNumber: string): Promise<boolean>;
  deleteVirtualMfaDevice(serialNumber: string): Promise<boolean>;

  listUserPolicies(userName: string): Promise<string[]>;
  /** The policy document as JSON text (IAM returns it URL-encoded; this decodes it). */
  getUserPolicy(userName: string, policyName: string): Promise<string | undefined>;
  putUserPolicy(userName: string, policyName: string, policyDocument: string): Promise<void>;
  deleteUserPolicy(userName: string, policyName: string): Promise<boolean>;
  listAttachedUserPolicies(userName: string): Promise<AttachedPolicy[]>;
  listGroupPolicies(groupName: string): Promise<string[]>;
  listAttachedGroupPolicies(groupName: string): Promise<AttachedPolicy[]>;
  attachUserPolicy(userName: string, policyArn: string): Promise<void>;
  detachUserPolicy(userName: string, policyArn: string): Promise<boolean>;
  addUserToGroup(userName: string, groupName: string): Promise<void>;
  removeUserFromGroup(userName: string, groupName: string): Promise<boolean>;
  deleteUser(userName: string): Promise<boolean>;
}

export const DEFAULT_INVENTORY_CONCURRENCY = 4;

const iso = (date: Date | undefined): string => (date ?? new Date(0)).toISOString();
const keyStatus = (status: StatusType | undefined): KeyStatus =>
  status === 'Active' ? 'Active' : 'Inactive';

function toUserSummary(user: User): UserSummary {
  return {
    userName: user.UserName ?? '',
    userId: user.UserId ?? '',
    arn: user.Arn ?? '',
    path: user.Path ?? '/',
    createDate: iso(user.CreateDate),
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; keeps the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Maps "already gone" (NoSuchEntity) to false; anything else propagates. */
async function gone(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    if (isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) return false;
    throw err;
  }
}

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) return undefined;
    throw err;
  }
}

export class SdkIamGateway implements IamGateway {
  constructor(
    private readonly client: IAMClient,
    private readonly options: { pageSize?: number } = {},
  ) {}

  private get pager(): { client: IAMClient; pageSize?: number } {
    return { client: this.client, pageSize: this.options.pageSize };
  }

  async listUsers(): Promise<UserSummary[]> {
    const users: UserSummary[] = [];
    for await (const page of paginateListUsers(this.pager, {})) {
      for (const user of page.Users ?? []) users.push(toUserSummary(user));
    }
    return users;
  }

  async userAuthorizationDetails(): Promise<UserAuthorizationDetails[]> {
    const users: UserAuthorizationDetails[] = [];
    const pager = { client: this.client, pageSize: this.options.pageSize ?? AUTHORIZATION_DETAILS_PAGE_SIZE };
    for await (const page of paginateGetAccountAuthorizationDetails(pager, { Filter: ['User'] })) {
      for (const user of page.UserDetailList ?? []) {
        const tags: Record<string, string> = {};
        for (const tag of user.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
        const inlinePolicies: Record<string, string> = {};
        for (const policy of user.UserPolicyList ?? []) {
          if (policy.PolicyName === undefined) continue;
          inlinePolicies[policy.PolicyName] = decodePolicyDocument(policy.PolicyDocument ?? '');
        }
        users.push({
          userName: user.UserName ?? '',
          tags,
          groups: user.GroupList ?? [],
          attachedPolicyArns: (user.AttachedManagedPolicies ?? []).flatMap((p) => p.PolicyArn ?? []),
          inlinePolicies,
        });
      }
    }
    return users;
  }

  async getUser(userName: string): Promise<UserSummary | undefined> {
    const out = await orUndefined(this.client.send(new GetUserCommand({ UserName: userName })));
    return out?.User === undefined ? undefined : toUserSummary(out.User);
  }

  async listAccessKeys(userName: string): Promise<AccessKeySummary[]> {
    const keys: AccessKeySummary[] = [];
    for await (const page of paginateListAccessKeys(this.pager, { UserName: userName })) {
      for (const key of page.AccessKeyMetadata ?? []) {
        keys.push({
          accessKeyId: key.AccessKeyId ?? '',
          status: keyStatus(key.Status),
          createDate: iso(key.CreateDate),
        });
      }
    }
    return keys;
  }

  async getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUse> {
    const out = await this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
    return lastUseOf(out.AccessKeyLastUsed);
  }

  async findAccessKeyOwner(
    accessKeyId: string,
  ): Promise<(AccessKeyLastUse & { userName: string }) | undefined> {
    const out = await orUndefined(
      this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
    );
    if (out?.UserName === undefined) return undefined;
    return { userName: out.UserName, ...lastUseOf(out.AccessKeyLastUsed) };
  }

  async listGroupPolicies(groupName: string): Promise<string[]> {
    const names: string[] = [];
    for await (const page of paginateListGroupPolicies(this.pager, { GroupName: groupName })) {
      names.push(...(page.PolicyNames ?? []));
    }
    return names;
  }

  async listAttachedGroupPolicies(groupName: string): Promise<AttachedPolicy[]> {
    const policies: AttachedPolicy[] = [];
    for await (const page of paginateListAttachedGroupPolicies(this.pager, { GroupName: groupName })) {
      for (const p of page.AttachedPolicies ?? [])
        policies.push({ policyArn: p.PolicyArn ?? '', policyName: p.PolicyName ?? '' });
    }
    return policies;
  }

  async listUserTags(userName: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    for await (const page of paginateListUserTags(this.pager, { UserName: userName })) {
      for (const tag of page.Tags ?? []) {
        if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      }
    }
    return tags;
  }

  async listGroupsForUser(userName: string): Promise<string[]> {
    const groups: string[] = [];
    for await (const page of paginateListGroupsForUser(this.pager, { UserName: userName })) {
      for (const group of page.Groups ?? []) groups.push(group.GroupName ?? '');
    }
    return groups;
  }

  async getUserFacts(accountId: string, user: UserSummary): Promise<UserFacts> {
    const [summaries, tags, groups] = await Promise.all([
      this.listAccessKeys(user.userName),
      this.listUserTags(user.userName),
      this.listGroupsForUser(user.userName),
    ]);
    const keys: AccessKeyFacts[] = [];
    for (const key of summaries) {
      keys.push({ ...key, ...(await this.getAccessKeyLastUsed(key.accessKeyId)) });
    }
    return { accountId, ...user, tags, groups, keys };
  }

  async inventoryUsers(accountId: string, concurrency = DEFAULT_INVENTORY_CONCURRENCY): Promise<UserFacts[]> {
    const users = await this.listUsers();
    return mapWithConcurrency(users, concurrency, (user) => this.getUserFacts(accountId, user));
  }

  async getCredentialReport(options: CredentialReportOptions = {}): Promise<CredentialReportRow[]> {
    const maxPolls = Math.max(1, options.maxPolls ?? CREDENTIAL_REPORT_MAX_POLLS);
    const interval = options.pollIntervalMs ?? CREDENTIAL_REPORT_POLL_INTERVAL_MS;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let poll = 1; ; poll++) {
      const report = await this.tryCredentialReport();
      if (report !== undefined) return parseCredentialReport(report);
      if (poll >= maxPolls) {
        throw new CredentialReportNotReadyError(
          `the IAM credential report was not ready after ${maxPolls} polls ${interval} ms apart`,
        );
      }
      await sleep(interval);
    }
  }

  async rootAccessKeysPresent(): Promise<boolean> {
    const out = await this.client.send(new GetAccountSummaryCommand({}));
    return (out.SummaryMap?.AccountAccessKeysPresent ?? 0) > 0;
  }

  /** The report's CSV text, or undefined while it is not ready. */
  private async tryCredentialReport(): Promise<string | undefined> {
    try {
      const generated = await this.client.send(new GenerateCredentialReportCommand({}));
      if (generated.State !== 'COMPLETE') return undefined;
    } catch (err) {
      if (isAwsError(err, ...GENERATE_BUSY)) return undefined;
      throw err;
    }
    try {
      const out = await this.client.send(new GetCredentialReportCommand({}));
      const format: string | undefined = out.ReportFormat;
      if (format !== undefined && format !== 'text/csv') {
        throw new Error(`the IAM credential report came as ${format}, not text/csv`);
      }
      return Buffer.from(out.Content ?? new Uint8Array()).toString('utf8');
    } catch (err) {
      if (isAwsError(err, ...REPORT_NOT_READY)) return undefined;
      throw err;
    }
  }

  async createAccessKey(userName: string): Promise<NewAccessKey> {
    const out = await this.client.send(new CreateAccessKeyCommand({ UserName: userName }));
    const key = out.AccessKey;
    if (key?.AccessKeyId === undefined || key.SecretAccessKey === undefined) {
      throw new Error('CreateAccessKey returned no key');
    }
    const attempts = out.$metadata.attempts;
    return {
      accessKeyId: key.AccessKeyId,
      secretAccessKey: key.SecretAccessKey,
      ...(attempts === undefined ? {} : { sdkAttempts: attempts }),
    };
  }

  async updateAccessKeyStatus(userName: string, accessKeyId: string, status: KeyStatus): Promise<void> {
    await this.client.send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
    );
  }

  deleteAccessKey(userName: string, accessKeyId: string): Promise<boolean> {
    return gone(
      this.client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
    );
  }

  async tagUser(userName: string, key: string, value: string): Promise<void> {
    await this.client.send(new TagUserCommand({ UserName: userName, Tags: [{ Key: key, Value: value }] }));
  }

  async untagUser(userName: string, key: string): Promise<void> {
    await gone(this.client.send(new UntagUserCommand({ UserName: userName, TagKeys: [key] })));
  }

  async getLoginProfile(userName: string): Promise<LoginProfileInfo | undefined> {
    const out = await orUndefined(this.client.send(new GetLoginProfileCommand({ UserName: userName })));
    const profile = out?.LoginProfile;
    if (profile === undefined) return undefined;
    return {
      createDate: iso(profile.CreateDate),
      passwordResetRequired: profile.PasswordResetRequired ?? false,
    };
  }

  deleteLoginProfile(userName: string): Promise<boolean> {
    return gone(this.client.send(new DeleteLoginProfileCommand({ UserName: userName })));
  }

  async listSigningCertificates(userName: string): Promise<CredentialItem[]> {
    const items: CredentialItem[] = [];
    for await (const page of paginateListSigningCertificates(this.pager, { UserName: userName })) {
      for (const cert of page.Certificates ?? [])
        items.push({ id: cert.CertificateId ?? '', status: keyStatus(cert.Status) });
    }
    return items;
  }

  deleteSigningCertificate(userName: string, certificateId: string): Promise<boolean> {
    return gone(
      this.client.send(
        new DeleteSigningCertificateCommand({ UserName: userName, CertificateId: certificateId }),
      ),
    );
  }

  async listSshPublicKeys(userName: string): Promise<CredentialItem[]> {
    const items: CredentialItem[] = [];
    for await (const page of paginateListSSHPublicKeys(this.pager, { UserName: userName })) {
      for (const key of page.SSHPublicKeys ?? [])
        items.push({ id: key.SSHPublicKeyId ?? '', status: keyStatus(key.Status) });
    }
    return items;
  }

  deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<boolean> {
    return gone(
      this.client.send(new DeleteSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyId: sshPublicKeyId })),
    );
  }

  async listServiceSpecificCredentials(userName: string): Promise<ServiceSpecificCredentialItem[]> {
    // The SDK has no paginator for this API: follow Marker by hand.
    const items: ServiceSpecificCredentialItem[] = [];
    let marker: string | undefined;
    do {
      const page = await this.client.send(
        new ListServiceSpecificCredentialsCommand({ UserName: userName, Marker: marker }),
      );
      for (const cred of page.ServiceSpecificCredentials ?? []) {
        items.push({
          id: cred.ServiceSpecificCredentialId ?? '',
          status: keyStatus(cred.Status),
          serviceName: cred.ServiceName ?? '',
        });
      }
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    return items;
  }

  deleteServiceSpecificCredential(userName: string, credentialId: string): Promise<boolean> {
    return gone(
      this.client.send(
        new DeleteServiceSpecificCredentialCommand({
          UserName: userName,
          ServiceSpecificCredentialId: credentialId,
        }),
      ),
    );
  }

  async listMfaDevices(userName: string): Promise<MfaDeviceInfo[]> {
    const devices: MfaDeviceInfo[] = [];
    for await (const page of paginateListMFADevices(this.pager, { UserName: userName })) {
      for (const device of page.MFADevices ?? []) {
        const serialNumber = device.SerialNumber ?? '';
        devices.push({
          serialNumber,
          enableDate: iso(device.EnableDate),
          virtual: serialNumber.startsWith('arn:'),
        });
      }
    }
    return devices;
  }

  deactivateMfaDevice(userName: string, serialNumber: string): Promise<boolean> {
    return gone(
      this.client.send(new DeactivateMFADeviceCommand({ UserName: userName, SerialNumber: serialNumber })),
    );
  }

  deleteVirtualMfaDevice(serialNumber: string): Promise<boolean> {
    return gone(this.client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialNumber })));
  }

  async listUserPolicies(userName: string): Promise<string[]> {
    const names: string[] = [];
    for await (const page of paginateListUserPolicies(this.pager, { UserName: userName })) {
      names.push(...(page.PolicyNames ?? []));
    }
    return names;
  }

  async getUserPolicy(userName: string, policyName: string): Promise<string | undefined> {
    const out = await orUndefined(
      this.client.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: policyName })),
    );
    if (out?.PolicyDocument === undefined) return undefined;
    return decodePolicyDocument(out.PolicyDocument);
  }

  async putUserPolicy(userName: string, policyName: string, policyDocument: string): Promise<void> {
    await this.client.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: policyName,
        PolicyDocument: policyDocument,
      }),
    );
  }

  deleteUserPolicy(userName: string, policyName: string): Promise<boolean> {
    return gone(
      this.client.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName })),
    );
  }

  async listAttachedUserPolicies(userName: string): Promise<AttachedPolicy[]> {
    const policies: AttachedPolicy[] = [];
    for await (const page of paginateListAttachedUserPolicies(this.pager, { UserName: userName })) {
      for (const p of page.AttachedPolicies ?? [])
        policies.push({ policyArn: p.PolicyArn ?? '', policyName: p.PolicyName ?? '' });
    }
    return policies;
  }

  async attachUserPolicy(userName: string, policyArn: string): Promise<void> {
    await this.client.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn }));
  }

  detachUserPolicy(userName: string, policyArn: string): Promise<boolean> {
    return gone(this.client.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn })));
  }

  async addUserToGroup(userName: string, groupName: string): Promise<void> {
    await this.client.send(new AddUserToGroupCommand({ UserName: userName, GroupName: groupName }));
  }

  removeUserFromGroup(userName: string, groupName: string): Promise<boolean> {
    return gone(
      this.client.send(new RemoveUserFromGroupCommand({ UserName: userName, GroupName: groupName })),
    );
  }

  deleteUser(userName: string): Promise<boolean> {
    return gone(this.client.send(new DeleteUserCommand({ UserName: userName })));
  }
}

/** IAM returns inline policy documents URL-encoded (RFC 3986); emulators sometimes do not. */
export function decodePolicyDocument(document: string): string {
  if (document.trimStart().startsWith('{')) return document;
  try {
    return decodeURIComponent(document);
  } catch {
    return document;
  }
}

/** A key never used answers ServiceName/Region 'N/A' and no date. */
function lastUseOf(used: AccessKeyLastUsed | undefined): AccessKeyLastUse {
  const result: AccessKeyLastUse = {};
  if (used?.LastUsedDate !== undefined) result.lastUsedDate = used.LastUsedDate.toISOString();
  if (used?.ServiceName !== undefined && used.ServiceName !== 'N/A')
    result.lastUsedService = used.ServiceName;
  if (used?.Region !== undefined && used.Region !== 'N/A') result.lastUsedRegion = used.Region;
  return result;
}
