import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { ListAccessKeysCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../../activities/aws/clients';
import { memberIam, memberRef, snapshotUsers, type UserSnapshot } from '../aws-snapshot';

export interface UserRef {
  accountId: string;
  userName: string;
}

export interface CheckerOptions {
  /** Clients straight to the emulator (never through the fault proxy, never keywarden's state). */
  aws: AwsClients;
  region: string;
  endpoint: string;
  accountIds: readonly string[];
  /** The users the spec selects, decided by the test from the seed, not from keywarden. */
  selected: readonly UserRef[];
  /** Secret name of a selected user's destination. */
  secretName: (userName: string) => string;
  /**
   * How long a key may exist without being in its destination: the seconds between creation and
   * staging, stretched when the worker creating it is killed (the retry of that activity cleans up).
   */
  stagingGraceMs: number;
}

interface StoredKey {
  AccessKeyId?: string;
  SecretAccessKey?: string;
}

interface KeyObservation {
  firstSeenAt: number;
  lastSeenAt: number;
  stagedAt?: number;
  goneAt?: number;
  baseline: boolean;
}

export interface CheckerFigures {
  samples: number;
  violations: string[];
  /** The longest a key was seen held but not yet in its destination. */
  longestUnstagedMs: number;
}

const userKey = (u: UserRef) => `${u.accountId}/${u.userName}`;

/**
 * An independent observer of the emulator. It reads IAM and Secrets Manager with its own clients
 * and records every violation of the rotation invariants it sees, with the time it saw it.
 */
export class InvariantChecker {
  private readonly keys = new Map<string, KeyObservation>();
  private readonly violations: string[] = [];
  private baseline: Record<string, Record<string, UserSnapshot>> = {};
  private samples = 0;
  /**
   * Keys held before the run are signed with only once, before it starts: a use during the
   * adoption window is exactly what makes keywarden hold a rotation. During the run such a key
   * counts as authenticating while it is Active, having authenticated before.
   */
  private probingBaselineKeys = false;
  private readonly provenBaselineKeys = new Set<string>();
  /** Keys already reported as held outside their destination: one violation per key. */
  private readonly reportedUnstaged = new Set<string>();
  private longestUnstagedMs = 0;

  constructor(private readonly opts: CheckerOptions) {}

  /** Before the run: every user of every account, and the keys the selected users hold. */
  async recordBaseline(): Promise<void> {
    for (const accountId of this.opts.accountIds) {
      this.baseline[accountId] = await snapshotUsers(this.opts.aws, accountId);
    }
    const now = Date.now();
    for (const user of this.opts.selected) {
      for (const key of this.baseline[user.accountId]?.[user.userName]?.keys ?? []) {
        this.keys.set(key.accessKeyId, { firstSeenAt: now, lastSeenAt: now, baseline: true });
      }
    }
    this.probingBaselineKeys = true;
    await this.sample();
    this.probingBaselineKeys = false;
  }

  /** One observation of every selected user: its keys, its destination, which keys authenticate. */
  async sample(): Promise<void> {
    this.samples++;
    for (const user of this.opts.selected) await this.sampleUser(user);
  }

  /**
   * After the run. `approvalAt` is when the first approval of the campaign was recorded (its
   * history); undefined if none was.
   */
  async finalCheck(approvalAt: number | undefined): Promise<void> {
    await this.sample();
    for (const user of this.opts.selected) await this.finalUser(user);
    for (const [keyId, seen] of this.keys) {
      if (!seen.baseline || seen.goneAt === undefined) continue;
      if (approvalAt === undefined || seen.goneAt < approvalAt) {
        this.violation(
          `key ${keyId} was seen deleted at ${iso(seen.goneAt)}, before any approval was recorded` +
            (approvalAt === undefined ? '' : ` (${iso(approvalAt)})`),
        );
      }
    }
    await this.unselectedUnchanged(this.opts.selected);
  }

  /** Every user of the accounts other than `changed` is exactly as in the baseline. */
  async unselectedUnchanged(changed: readonly UserRef[]): Promise<void> {
    const skip = new Set(changed.map(userKey));
    for (const accountId of this.opts.accountIds) {
      const before = this.baseline[accountId] ?? {};
      const after = await snapshotUsers(this.opts.aws, accountId);
      for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (skip.has(userKey({ accountId, userName: name }))) continue;
        if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) {
          this.violation(`${accountId}/${name} is outside the selection but changed`);
        }
      }
    }
  }

  figures(): CheckerFigures {
    return {
      samples: this.samples,
      violations: [...this.violations],
      longestUnstagedMs: this.longestUnstagedMs,
    };
  }

  private async sampleUser(user: UserRef): Promise<void> {
    const held = await this.heldKeys(user);
    // When IAM answered: a key missing from the answer was deleted before this moment.
    const now = Date.now();
    const stored = await this.storedKeys(user);
    const storedIds = new Set(stored.map((s) => s.AccessKeyId));
    const heldIds = new Set(held.map((k) => k.AccessKeyId ?? ''));
    for (const [keyId, seen] of this.keys) {
      if (seen.goneAt === undefined && !heldIds.has(keyId) && this.ownedBy(keyId, user)) seen.goneAt = now;
    }
    let authenticating = 0;
    for (const key of held) {
      const keyId = key.AccessKeyId ?? '';
      const seen = this.observe(keyId, user, now);
      if (storedIds.has(keyId)) seen.stagedAt ??= now;
      if (!seen.baseline && seen.stagedAt === undefined) {
        const unstagedMs = now - seen.firstSeenAt;
        this.longestUnstagedMs = Math.max(this.longestUnstagedMs, unstagedMs);
        if (unstagedMs > this.opts.stagingGraceMs && !this.reportedUnstaged.has(keyId)) {
          this.reportedUnstaged.add(keyId);
          this.violation(
            `${userKey(user)} holds ${keyId}, not in its destination ${Math.round(unstagedMs / 1000)} s after it was first seen`,
          );
        }
      }
      if (key.Status !== 'Active') continue;
      if (seen.baseline && !this.probingBaselineKeys) {
        if (this.provenBaselineKeys.has(keyId)) authenticating++;
        continue;
      }
      const secret = stored.find((s) => s.AccessKeyId === keyId)?.SecretAccessKey;
      // A new key not in its destination is never signed with: the emulator checks no signature
      // and would record a use, which real IAM never would without the secret, and keywarden
      // rightly refuses to take a used key for the one it lost track of.
      if (!seen.baseline && secret === undefined) continue;
      if (await this.authenticates(user, keyId, secret)) {
        authenticating++;
        if (seen.baseline) this.provenBaselineKeys.add(keyId);
      }
    }
    if (authenticating === 0) {
      this.violation(`${userKey(user)} had no Active key that authenticates at ${iso(now)}`);
    }
  }

  private async finalUser(user: UserRef): Promise<void> {
    const held = await this.heldKeys(user);
    const active = held.filter((k) => k.Status === 'Active');
    if (held.length !== 1 || active.length !== 1) {
      this.violation(
        `${userKey(user)} ends with ${held.length} key(s), ${active.length} Active; expected exactly one Active`,
      );
      return;
    }
    const keyId = active[0]?.AccessKeyId ?? '';
    const current = await this.currentKey(user);
    if (current?.AccessKeyId !== keyId) {
      this.violation(
        `${userKey(user)}: its Active key ${keyId} is not the current version of its destination`,
      );
      return;
    }
    if (this.keys.get(keyId)?.baseline === true) {
      this.violation(`${userKey(user)} still holds its old key ${keyId}: it was not rotated`);
    }
    if (!(await this.authenticates(user, keyId, current.SecretAccessKey))) {
      this.violation(`${userKey(user)}: its stored current key ${keyId} does not authenticate`);
    }
  }

  private observe(keyId: string, user: UserRef, now: number): KeyObservation {
    let seen = this.keys.get(keyId);
    if (seen === undefined) {
      seen = { firstSeenAt: now, lastSeenAt: now, baseline: false };
      this.keys.set(keyId, seen);
      this.owners.set(keyId, userKey(user));
    }
    seen.lastSeenAt = now;
    return seen;
  }

  private readonly owners = new Map<string, string>();

  private ownedBy(keyId: string, user: UserRef): boolean {
    const owner = this.owners.get(keyId);
    if (owner !== undefined) return owner === userKey(user);
    const baselineKeys = this.baseline[user.accountId]?.[user.userName]?.keys ?? [];
    return baselineKeys.some((k) => k.accessKeyId === keyId);
  }

  private async heldKeys(user: UserRef) {
    try {
      const out = await memberIam(this.opts.aws, user.accountId).send(
        new ListAccessKeysCommand({ UserName: user.userName }),
      );
      return out.AccessKeyMetadata ?? [];
    } catch (error) {
      if (error instanceof NoSuchEntityException) return [];
      throw error;
    }
  }

  /** Every version of the user's destination, whatever its stage. */
  private async storedKeys(user: UserRef): Promise<StoredKey[]> {
    const secrets = this.opts.aws.member(memberRef(user.accountId)).secrets;
    const name = this.opts.secretName(user.userName);
    const exists = await secrets.send(new ListSecretsCommand({}));
    if (!(exists.SecretList ?? []).some((s) => s.Name === name)) return [];
    try {
      const listed = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: name }));
      const stored: StoredKey[] = [];
      for (const version of listed.Versions ?? []) {
        const value = await secrets.send(
          new GetSecretValueCommand({ SecretId: name, VersionId: version.VersionId }),
        );
        stored.push(JSON.parse(value.SecretString ?? '{}') as StoredKey);
      }
      return stored;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return [];
      throw error;
    }
  }

  private async currentKey(user: UserRef): Promise<StoredKey | undefined> {
    const secrets = this.opts.aws.member(memberRef(user.accountId)).secrets;
    try {
      const value = await secrets.send(
        new GetSecretValueCommand({
          SecretId: this.opts.secretName(user.userName),
          VersionStage: 'AWSCURRENT',
        }),
      );
      return JSON.parse(value.SecretString ?? '{}') as StoredKey;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /**
   * sts:GetCallerIdentity signed with the key answers as that user. The emulator checks no
   * signature, so a key whose secret the checker does not hold (one made before the run) is
   * signed with a placeholder secret: what is proven is that the key ID is live and is that user's.
   */
  private async authenticates(
    user: UserRef,
    accessKeyId: string,
    secret: string | undefined,
  ): Promise<boolean> {
    const sts = new STSClient({
      region: this.opts.region,
      endpoint: this.opts.endpoint,
      credentials: { accessKeyId, secretAccessKey: secret ?? 'not-held-by-the-checker' },
      maxAttempts: 3,
    });
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      return identity.Account === user.accountId && (identity.Arn ?? '').endsWith(`:user/${user.userName}`);
    } catch {
      return false;
    } finally {
      sts.destroy();
    }
  }

  private violation(text: string): void {
    this.violations.push(text);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
