import { createHash } from 'node:crypto';

/**
 * The secret string keywarden stores for an access key, as consumers read it from Secrets
 * Manager: `{"AccessKeyId":"...","SecretAccessKey":"..."}`.
 *
 * Everything here handles secret material: call it only inside the activity that owns the key,
 * and never return, log or report what `formatKeySecret` produces or `parseKeySecret` returns.
 * Nothing in this module puts the value (or any part of it) into an error message.
 */
export interface StoredAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export function formatKeySecret(key: StoredAccessKey): string {
  return JSON.stringify({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey });
}

/** The key pair a secret string holds, or undefined when it is not keywarden's JSON shape. */
export function parseKeySecret(value: string): StoredAccessKey | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // Deliberately drop the parser's error: its message can quote the value.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey } = parsed as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') return undefined;
  if (accessKeyId === '' || secretAccessKey === '') return undefined;
  return { accessKeyId, secretAccessKey };
}

/** Only the key ID a secret string holds (not secret), or undefined. */
export function storedAccessKeyId(value: string): string | undefined {
  return parseKeySecret(value)?.accessKeyId;
}

/**
 * The ClientRequestToken (and so the version ID) of the secret version that stores this key:
 * derived from the account, secret and key ID only, so a retried PutSecretValue for the same key
 * is the same request and Secrets Manager does not add a second version. Shaped like a
 * name-based UUID (version 5 bits) because Secrets Manager expects 32-64 characters and many
 * tools expect a UUID.
 */
export function secretVersionToken(scope: {
  accountId: string;
  secretName: string;
  accessKeyId: string;
}): string {
  const hex = createHash('sha256')
    .update(`keywarden-key-version\n${scope.accountId}\n${scope.secretName}\n${scope.accessKeyId}`)
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
