import type { KeyLookup, StoredKeyLocation, StoredVersion } from './key-lookup';
import type { RollbackRequest } from './rollback-request';

/** What a rollback would move: the destination, its current and previous versions and their keys. */
export interface RollbackPlan {
  location: { kind: StoredKeyLocation['kind']; name: string };
  current: { versionId: string; accessKeyId: string };
  previous: { versionId: string; accessKeyId: string };
}

export type RollbackOutcome = 'restored' | 'refused';

export interface RollbackResult {
  workflowId: string;
  accountId: string;
  userName: string;
  reason: string;
  requestedBy: string;
  outcome: RollbackOutcome;
  /** Why it was refused, or what was done, in words for a person. */
  detail: string;
  plan?: RollbackPlan;
}

const CURRENT = new Set(['AWSCURRENT', 'current']);
const PREVIOUS = new Set(['AWSPREVIOUS', 'previous']);

function labelled(location: StoredKeyLocation, labels: ReadonlySet<string>): StoredVersion | undefined {
  return location.versions.find((v) => v.stages.some((s) => labels.has(s)));
}

function describeLocation(location: { kind: string; name: string }): string {
  return `${location.kind} ${location.name}`;
}

/**
 * Decides from a fresh read of the user (whois's lookup) whether the stored key can go back one
 * version: the previous version must hold a key of this user that IAM still has as Active, or
 * the consumers would be handed a key that does not work. Returns the plan, or why not.
 */
export function planRollback(
  lookup: KeyLookup,
  request: Pick<RollbackRequest, 'accountId' | 'userName' | 'location'>,
): { plan: RollbackPlan } | { refused: string } {
  const who = `user ${request.userName} in account ${request.accountId}`;
  if (!lookup.userExists) return { refused: `${who} does not exist` };
  const candidates =
    request.location === undefined
      ? lookup.stored
      : lookup.stored.filter((l) => l.kind === request.location?.kind && l.name === request.location.name);
  if (candidates.length === 0) {
    return {
      refused:
        request.location === undefined
          ? `keywarden stored no key of ${who}: nothing to roll back`
          : `${describeLocation(request.location)} is not where keywarden stored a key of ${who} ` +
            `(found: ${lookup.stored.map(describeLocation).join(', ') || 'none'})`,
    };
  }
  if (candidates.length > 1) {
    return {
      refused:
        `the key of ${who} is stored in ${candidates.length} places (${candidates.map(describeLocation).join(', ')}): ` +
        'name one with --secret <name> or --parameter <name>',
    };
  }
  const location = candidates[0]!;
  const where = describeLocation(location);
  const current = labelled(location, CURRENT);
  const previous = labelled(location, PREVIOUS);
  if (current?.accessKeyId === undefined) return { refused: `${where} has no current version holding a key` };
  if (previous?.accessKeyId === undefined) {
    return {
      refused:
        `${where} has no previous version to go back to (after a completed rotation the old key ` +
        'is deleted and its version unlabelled)',
    };
  }
  if (previous.accessKeyId === current.accessKeyId) {
    return { refused: `the previous version of ${where} holds the current key already` };
  }
  const previousKey = lookup.userKeys.find((k) => k.accessKeyId === previous.accessKeyId);
  if (previousKey === undefined) {
    return {
      refused:
        `the previous version of ${where} holds ${previous.accessKeyId}, which ${who} no longer has: ` +
        'rolling back would hand the consumers a deleted key',
    };
  }
  if (previousKey.status !== 'Active') {
    return {
      refused:
        `the previous version of ${where} holds ${previous.accessKeyId}, which is ${previousKey.status}: ` +
        'rolling back would hand the consumers a key that does not work. Reactivate it first if that is ' +
        'really wanted (aws iam update-access-key --status Active), then roll back',
    };
  }
  return {
    plan: {
      location: { kind: location.kind, name: location.name },
      current: { versionId: current.versionId, accessKeyId: current.accessKeyId },
      previous: { versionId: previous.versionId, accessKeyId: previous.accessKeyId },
    },
  };
}
