import type { AccessKeyFacts } from '../../domain/inventory';
import type { UserRotationReport } from '../../domain/rotation-report';

/** A key's state when the campaign ended, as the saga's report shows it. */
export type KeyStatusAfter = 'Active' | 'Inactive' | 'Deleted';

/**
 * What the campaign did to one key:
 * - deleted: keywarden deleted it, after an approval
 * - rotated-out: replaced and deactivated, not deleted (yet)
 * - reactivated: deactivated, then turned back on by a rollback
 * - new: the key the rotation made
 * - discarded: a new key deleted again before it went live (compensation)
 * - gone: deleted by someone else while the campaign ran
 * - kept: left as it was
 */
export type KeyRole = 'deleted' | 'rotated-out' | 'reactivated' | 'new' | 'discarded' | 'gone' | 'kept';

export interface KeyOutcome {
  accessKeyId: string;
  /** As the inventory found it; undefined for the key the rotation made. */
  statusBefore?: AccessKeyFacts['status'];
  statusAfter: KeyStatusAfter;
  role: KeyRole;
  /** Whether the campaign changed the key (or made it). */
  touched: boolean;
}

function timelineSays(user: UserRotationReport, event: string): boolean {
  return user.timeline.some((e) => e.event === event);
}

function finalEvent(user: UserRotationReport): string {
  return user.timeline.at(-1)?.event ?? '';
}

function oldKeyOutcome(user: UserRotationReport, key: AccessKeyFacts): Omit<KeyOutcome, 'accessKeyId'> {
  const before = { statusBefore: key.status, touched: true };
  const deactivated = timelineSays(user, `deactivated old key ${key.accessKeyId}`);
  const final = finalEvent(user);
  switch (user.status) {
    case 'rotated':
      // Rotated without keywarden deleting the old key: it was gone already.
      return { ...before, statusAfter: 'Deleted', role: 'gone' };
    case 'rolled-back':
      if (final.includes(`old key ${key.accessKeyId} no longer exists`)) {
        return { ...before, statusAfter: 'Deleted', role: 'gone' };
      }
      return deactivated
        ? { ...before, statusAfter: 'Active', role: 'reactivated' }
        : { ...before, statusAfter: key.status, role: 'kept', touched: false };
    case 'needs-attention':
    case 'failed':
    case 'in-progress':
      if (!deactivated) return { ...before, statusAfter: key.status, role: 'kept', touched: false };
      return final.includes('was reactivated')
        ? { ...before, statusAfter: 'Active', role: 'reactivated' }
        : { ...before, statusAfter: 'Inactive', role: 'rotated-out' };
    default:
      return { ...before, statusAfter: key.status, role: 'kept', touched: false };
  }
}

/**
 * Every key of a user before and after the campaign: each inventoried key, then the key the
 * rotation made (if any). Derived from the saga's report: its deleted key IDs, its status and
 * the events of its timeline.
 */
export function keyOutcomes(user: UserRotationReport): KeyOutcome[] {
  const outcomes: KeyOutcome[] = user.keys.map((key) => {
    if (user.deletedAccessKeyIds.includes(key.accessKeyId)) {
      return {
        accessKeyId: key.accessKeyId,
        statusBefore: key.status,
        statusAfter: 'Deleted',
        role: 'deleted',
        touched: true,
      };
    }
    if (key.accessKeyId === user.oldAccessKeyId)
      return { accessKeyId: key.accessKeyId, ...oldKeyOutcome(user, key) };
    return {
      accessKeyId: key.accessKeyId,
      statusBefore: key.status,
      statusAfter: key.status,
      role: 'kept',
      touched: false,
    };
  });
  const made = user.newAccessKeyId;
  if (made !== undefined && !user.keys.some((k) => k.accessKeyId === made)) {
    outcomes.push(
      user.status === 'compensated'
        ? { accessKeyId: made, statusAfter: 'Deleted', role: 'discarded', touched: true }
        : { accessKeyId: made, statusAfter: 'Active', role: 'new', touched: true },
    );
  }
  return outcomes;
}

/** When the rotation made its new key, as its timeline recorded it. */
export function newKeyCreatedAt(user: UserRotationReport): string | undefined {
  const made = user.newAccessKeyId;
  if (made === undefined) return undefined;
  return user.timeline.find((e) => e.event.startsWith(`created key ${made},`))?.at;
}
