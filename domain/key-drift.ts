import type { KeyEvent } from './cloudtrail-key-event';
import { ROLE_SESSION_PREFIX } from './session-name';

export const DRIFT_CODES = ['KEY_CHANGED_OUT_OF_BAND', 'KEY_REACTIVATED_AFTER_CONTAINMENT'] as const;
export type DriftCode = (typeof DRIFT_CODES)[number];

/** One key change made outside keywarden. `alert` for a key turned back on after keywarden turned it off. */
export interface DriftFinding {
  code: DriftCode;
  severity: 'finding' | 'alert';
  change: 'created' | 'reactivated' | 'deleted';
  accountId: string;
  userName: string;
  accessKeyId: string;
  actorArn: string;
  sourceIp: string;
  eventId: string;
  eventTime: string;
  /** For KEY_REACTIVATED_AFTER_CONTAINMENT: when keywarden had deactivated the key. */
  deactivatedByKeywardenAt?: string;
}

/** A key keywarden deactivated, as the monitor remembers it (a bounded list, oldest first). */
export interface ContainedKey {
  accountId: string;
  accessKeyId: string;
  deactivatedAt: string;
}

/** The roles keywarden assumes in member accounts; its sessions are named `keywarden-…` in them. */
export interface KeywardenIdentity {
  roleNames: readonly string[];
}

export interface Classification {
  /** keywarden's own call, a change outside keywarden, or nothing that needs saying (a person turning a key off). */
  outcome: 'keywarden' | 'finding' | 'alert' | 'ignored';
  finding?: DriftFinding;
  /** The record of contained keys after this event. */
  contained: ContainedKey[];
}

// arn:aws:sts::123456789012:assumed-role/RoleName/session-name (an assumed-role ARN has no role path).
const ASSUMED_ROLE = /^arn:aws(?:-cn|-us-gov)?:sts::\d{12}:assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;

/** True when the ARN is a session keywarden opened: one of its roles, a `keywarden-` session name. */
export function isKeywardenActor(actorArn: string, identity: KeywardenIdentity): boolean {
  const match = ASSUMED_ROLE.exec(actorArn);
  if (match === null) return false;
  const [, roleName, sessionName] = match as unknown as [string, string, string];
  const roleNames = identity.roleNames.map((name) => name.slice(name.lastIndexOf('/') + 1));
  return roleNames.includes(roleName) && sessionName.startsWith(ROLE_SESSION_PREFIX);
}

const sameKey = (event: KeyEvent) => (key: ContainedKey) =>
  key.accountId === event.accountId && key.accessKeyId === event.accessKeyId;

function forget(contained: readonly ContainedKey[], event: KeyEvent): ContainedKey[] {
  return contained.filter((key) => !sameKey(event)(key));
}

function remember(contained: readonly ContainedKey[], event: KeyEvent, max: number): ContainedKey[] {
  const entry = {
    accountId: event.accountId,
    accessKeyId: event.accessKeyId,
    deactivatedAt: event.eventTime,
  };
  return [...forget(contained, event), entry].slice(-max);
}

const CHANGE: Record<KeyEvent['eventName'], DriftFinding['change']> = {
  CreateAccessKey: 'created',
  UpdateAccessKey: 'reactivated',
  DeleteAccessKey: 'deleted',
};

function finding(event: KeyEvent, code: DriftCode, containedKey?: ContainedKey): DriftFinding {
  const result: DriftFinding = {
    code,
    severity: code === 'KEY_REACTIVATED_AFTER_CONTAINMENT' ? 'alert' : 'finding',
    change: CHANGE[event.eventName],
    accountId: event.accountId,
    userName: event.userName,
    accessKeyId: event.accessKeyId,
    actorArn: event.actorArn,
    sourceIp: event.sourceIp,
    eventId: event.eventId,
    eventTime: event.eventTime,
  };
  if (containedKey !== undefined) result.deactivatedByKeywardenAt = containedKey.deactivatedAt;
  return result;
}

/**
 * Judges one access-key event. keywarden's own deactivations are remembered (at most
 * `maxContained`, the oldest forgotten first) and its reactivations and deletions forget the
 * key. Anyone else creating, reactivating or deleting a key is a KEY_CHANGED_OUT_OF_BAND
 * finding; reactivating a key keywarden deactivated is a KEY_REACTIVATED_AFTER_CONTAINMENT alert.
 */
export function classifyKeyEvent(
  event: KeyEvent,
  contained: readonly ContainedKey[],
  identity: KeywardenIdentity,
  maxContained: number,
): Classification {
  const deactivation = event.eventName === 'UpdateAccessKey' && event.status === 'Inactive';
  if (isKeywardenActor(event.actorArn, identity)) {
    return {
      outcome: 'keywarden',
      contained:
        event.eventName === 'CreateAccessKey'
          ? [...contained]
          : deactivation
            ? remember(contained, event, maxContained)
            : forget(contained, event),
    };
  }
  if (deactivation) return { outcome: 'ignored', contained: [...contained] };
  const containedKey = contained.find(sameKey(event));
  if (event.eventName === 'UpdateAccessKey' && containedKey !== undefined) {
    return {
      outcome: 'alert',
      finding: finding(event, 'KEY_REACTIVATED_AFTER_CONTAINMENT', containedKey),
      contained: forget(contained, event),
    };
  }
  return {
    outcome: 'finding',
    finding: finding(event, 'KEY_CHANGED_OUT_OF_BAND'),
    contained: event.eventName === 'DeleteAccessKey' ? forget(contained, event) : [...contained],
  };
}
