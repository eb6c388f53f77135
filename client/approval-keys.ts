import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { ApprovalSignal } from '../domain/approval';
import {
  bytesToHex,
  hexToBytes,
  publicKeyOf,
  signStatement,
  type ApprovalStatement,
} from '../domain/approval-signature';
import { normalizePrincipal, principalSchema } from '../domain/ids';
import { MAX_SIGNATURE_VALIDITY_MS } from '../domain/approval';
import { durationSchema, durationToMs } from '../domain/duration';
import { CliError, UsageError } from './cli-error';

/** An approver's signing key as `keywarden keygen` writes it (mode 0600). */
const KeyFileSchema = z.strictObject({
  kind: z.literal('keywarden-approval-key'),
  approver: principalSchema,
  privateKey: z.string().regex(/^[0-9a-f]{64}$/, 'privateKey is 64 hex characters'),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/, 'publicKey is 64 hex characters'),
});

export interface ApprovalKey {
  approver: string;
  secretKey: Uint8Array;
  publicKey: string;
}

/** Writes a new key pair for `approver` to `file` (never over an existing file); returns the public key. */
export function writeNewKeyFile(approver: string, file: string): string {
  const secretKey = new Uint8Array(randomBytes(32));
  const publicKey = publicKeyOf(secretKey);
  const body = {
    kind: 'keywarden-approval-key',
    approver: normalizePrincipal(approver),
    privateKey: bytesToHex(secretKey),
    publicKey,
  };
  try {
    writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new UsageError(`${file} already exists: choose another --out, or move it away first`);
    throw new CliError(`could not write ${file}: ${code ?? 'error'}`);
  }
  return publicKey;
}

export function readKeyFile(file: string): ApprovalKey {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read the key file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `the key file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(
      `${file} is not a keywarden approval key (not JSON): make one with keywarden keygen`,
    );
  }
  const parsed = KeyFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Names the field only: the file holds a private key.
    const field = parsed.error.issues[0]?.path.join('.') || 'the file';
    throw new UsageError(
      `${file} is not a keywarden approval key (${field} is wrong): make one with keywarden keygen`,
    );
  }
  const secretKey = hexToBytes(parsed.data.privateKey);
  if (publicKeyOf(secretKey) !== parsed.data.publicKey) {
    throw new UsageError(`${file} is damaged: its public key does not belong to its private key`);
  }
  return { approver: parsed.data.approver, secretKey, publicKey: parsed.data.publicKey };
}

/** What the approval is for, as the workflow's status shows it. */
export interface SigningTarget {
  workflowId: string;
  action: ApprovalStatement['action'];
  round: number;
  planDigest: string;
}

/** The approval signal's payload, signed: the workflow verifies it with the approver's public key. */
export function signedPayload(
  key: ApprovalKey,
  target: SigningTarget,
  comment: string | undefined,
  validForMs: number,
  now: Date = new Date(),
): ApprovalSignal {
  const expiresAt = new Date(now.getTime() + validForMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const statement: ApprovalStatement = {
    workflowId: target.workflowId,
    action: target.action,
    round: target.round,
    planDigest: target.planDigest,
    approver: normalizePrincipal(key.approver),
    comment: comment ?? '',
    expiresAt,
  };
  return {
    approver: statement.approver,
    ...(comment === undefined ? {} : { comment }),
    round: target.round,
    planDigest: target.planDigest,
    expiresAt,
    signature: signStatement(statement, key.secretKey),
  };
}

/** `--valid-for`: how long a signature stays valid, at most 30 days. */
export function validityMs(text: string): number {
  const validity = durationSchema.safeParse(text);
  if (!validity.success)
    throw new UsageError(`--valid-for: ${validity.error.issues[0]?.message ?? 'invalid'}`);
  const ms = durationToMs(validity.data);
  if (ms > MAX_SIGNATURE_VALIDITY_MS) throw new UsageError('--valid-for: at most 30d');
  return ms;
}
