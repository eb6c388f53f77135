import type { AccessKeySummary, IamGateway } from './aws/iam-gateway';
import { isAwsError } from './aws/errors';

/**
 * The user tag a saga puts on its user right before CreateAccessKey: `<saga workflow ID>/<run ID>@<time>`.
 * If the answer to CreateAccessKey is lost (or the worker dies before recording the new key's
 * ID), the retry finds the key it made by this mark: without it, that key could not be told from
 * one the owner made, and would be left Active and unstored.
 */
export const CREATING_TAG = 'keywarden-creating-key';

interface Log {
  warn(message: string, meta?: Record<string, unknown>): void;
}

export async function markCreating(
  iam: IamGateway,
  userName: string,
  sagaId: string,
  log: Log,
): Promise<void> {
  try {
    await iam.tagUser(userName, CREATING_TAG, `${sagaId}@${new Date().toISOString()}`.slice(0, 256));
  } catch (error) {
    // A user holds at most 50 tags. Unmarked, a lost answer leaves a key for a person to remove
    // (the retry refuses a third key and says which two the user holds); it is never guessed at.
    if (!isAwsError(error, 'LimitExceeded', 'LimitExceededException')) throw error;
    log.warn(
      'The user has no room for the creation mark: a lost CreateAccessKey answer would need a person',
      {
        userName,
      },
    );
  }
}

/**
 * True when a key's CreateDate is not before `sinceMs`. IAM gives CreateDate in whole seconds, so
 * a key made in the same second as `sinceMs` reads as up to a second older: compared to the second.
 */
export function createdSince(createDate: string, sinceMs: number): boolean {
  return Date.parse(createDate) >= Math.floor(sinceMs / 1000) * 1000;
}

/**
 * The key an earlier attempt of this activity created without recording it, or undefined. It is
 * one only when all of these hold: the user carries this saga's creation mark; exactly one key
 * of the user is neither known to the saga nor older than the activity's first scheduling; and
 * that key was never used. Anything less certain is left alone.
 */
export async function unrecordedKey(
  iam: IamGateway,
  userName: string,
  sagaId: string,
  firstScheduledMs: number,
  known: ReadonlySet<string>,
  keys: readonly AccessKeySummary[],
): Promise<string | undefined> {
  const mark = (await iam.listUserTags(userName))[CREATING_TAG];
  if (mark === undefined || !mark.startsWith(`${sagaId}@`)) return undefined;
  const candidates = keys.filter(
    (k) => !known.has(k.accessKeyId) && createdSince(k.createDate, firstScheduledMs),
  );
  if (candidates.length !== 1) return undefined;
  const [candidate] = candidates as [AccessKeySummary];
  const used = (await iam.getAccessKeyLastUsed(candidate.accessKeyId)).lastUsedDate !== undefined;
  return used ? undefined : candidate.accessKeyId;
}

export interface EarlierAttempt {
  userName: string;
  sagaId: string;
  firstScheduledMs: number;
  attempt: number;
  /** The key the last heartbeat recorded, from whichever earlier attempt sent it. */
  heartbeated: string | undefined;
  known: ReadonlySet<string>;
  keys: readonly AccessKeySummary[];
}

/**
 * The keys of the user that earlier attempts of this activity made: the heartbeated one while the
 * user still holds it, and one found by `unrecordedKey`. Heartbeat details outlive the attempt
 * that sent them, so an attempt that made a key but lost the answer leaves the details of the one
 * before it, whose key may be long deleted: that must not hide the unrecorded key.
 */
export async function earlierAttemptKeys(iam: IamGateway, attempt: EarlierAttempt): Promise<Set<string>> {
  const { userName, sagaId, firstScheduledMs, heartbeated, known, keys } = attempt;
  const ours = new Set<string>();
  if (heartbeated !== undefined && keys.some((k) => k.accessKeyId === heartbeated)) ours.add(heartbeated);
  if (attempt.attempt > 1) {
    const unrecorded = await unrecordedKey(
      iam,
      userName,
      sagaId,
      firstScheduledMs,
      new Set([...known, ...ours]),
      keys,
    );
    if (unrecorded !== undefined) ours.add(unrecorded);
  }
  return ours;
}
