/**
 * The description IAM keeps for an access key: a user tag whose key is the access key ID (the
 * console shows its value as the key's description). keywarden writes one on every key it
 * creates, saying who made it, when, and where the key is stored.
 *
 * Value: `keywarden made-by=campaign:q3-rotation created=2026-11-29 stored=secretsmanager:keywarden/alice`.
 */

/** IAM tag values: at most 256 characters, letters, spaces, digits and _.:/=+-@. */
export const TAG_VALUE_MAX_LENGTH = 256;
const DISALLOWED = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;
const PREFIX = 'keywarden';

export type KeyOriginKind = 'campaign' | 'revocation';
export type KeyStoreType = 'secretsmanager' | 'ssm-parameter';

export interface KeyDescription {
  madeBy: { kind: KeyOriginKind; workflowId: string };
  /** The key's creation date, YYYY-MM-DD. */
  created: string;
  stored: { type: KeyStoreType; name: string };
}

/** A field value as a tag allows it: disallowed characters and separators become "_". */
function clean(text: string): string {
  return text.replace(DISALLOWED, '_').replace(/\s/gu, '_');
}

export function formatKeyDescriptionTag(description: KeyDescription): string {
  const { madeBy, stored } = description;
  const value =
    `${PREFIX} made-by=${madeBy.kind}:${clean(madeBy.workflowId)} created=${clean(description.created.slice(0, 10))} ` +
    `stored=${stored.type}:${clean(stored.name)}`;
  // Only the storage name can be long enough to matter (a secret name takes up to 512 characters).
  return value.slice(0, TAG_VALUE_MAX_LENGTH);
}

const FORMAT =
  /^keywarden made-by=(campaign|revocation):(\S+) created=(\d{4}-\d{2}-\d{2}) stored=(secretsmanager|ssm-parameter):(\S+)$/u;

/** The description a tag value holds, or undefined when keywarden did not write it. */
export function parseKeyDescriptionTag(value: string): KeyDescription | undefined {
  const match = FORMAT.exec(value);
  if (match === null) return undefined;
  const [, kind, workflowId, created, type, name] = match;
  return {
    madeBy: { kind: kind as KeyOriginKind, workflowId: workflowId ?? '' },
    created: created ?? '',
    stored: { type: type as KeyStoreType, name: name ?? '' },
  };
}

/** True when `value` can be stored as an IAM tag value. */
export function isValidTagValue(value: string): boolean {
  return value.length <= TAG_VALUE_MAX_LENGTH && value.replace(DISALLOWED, '') === value;
}
