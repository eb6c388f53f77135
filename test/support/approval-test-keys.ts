import { randomBytes } from 'node:crypto';
import type { ApprovalKey } from '../../client/approval-keys';
import { publicKeyOf } from '../../domain/approval-signature';

/** A fresh Ed25519 approval key pair for `approver`, made for one test. */
export function newApprovalKey(approver: string): ApprovalKey {
  const secretKey = new Uint8Array(randomBytes(32));
  return { approver, secretKey, publicKey: publicKeyOf(secretKey) };
}

/** A worker's approver key registry that requires signatures, with a fresh key for each of `who`. */
export function registryRequiringSignatures(who: string[]) {
  return {
    configured: true,
    requireSignatures: true,
    publicKeys: Object.fromEntries(who.map((w) => [w, newApprovalKey(w).publicKey])),
  };
}

/** For assert.rejects: the refusal of an Update (its message or its cause's) matches `pattern`. */
export function refusedWith(pattern: RegExp) {
  return (error: Error): boolean =>
    pattern.test(`${error.message} ${String((error as { cause?: Error }).cause?.message)}`);
}
