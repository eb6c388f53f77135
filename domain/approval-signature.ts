import * as ed from '@noble/ed25519';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import './ed25519-setup';

/** What an approver signs: one action, at one gate, for one plan, until a deadline. */
export interface ApprovalStatement {
  workflowId: string;
  action: 'approve' | 'reject' | 'cancel' | 'abort' | 'skip';
  round: number;
  planDigest: string;
  approver: string;
  comment: string;
  expiresAt: string;
}

const DOMAIN = 'keywarden approval v1';

/** The exact bytes signed: a fixed field order, so signer and verifier cannot disagree. */
export function canonicalStatement(s: ApprovalStatement): Uint8Array {
  const text = JSON.stringify([
    DOMAIN,
    s.workflowId,
    s.action,
    s.round,
    s.planDigest,
    s.approver,
    s.comment,
    s.expiresAt,
  ]);
  return new TextEncoder().encode(text);
}

export const HEX_32 = /^[0-9a-f]{64}$/;
export const HEX_64 = /^[0-9a-f]{128}$/;

/** A key any signature verifies under (small order), or not a point at all: never accepted. */
export function isWeakPublicKey(publicKeyHex: string): boolean {
  try {
    return ed.Point.fromHex(publicKeyHex, false).isSmallOrder();
  } catch {
    return true;
  }
}

export function verifyStatement(
  statement: ApprovalStatement,
  signatureHex: string,
  publicKeyHex: string,
): boolean {
  if (!HEX_64.test(signatureHex) || !HEX_32.test(publicKeyHex) || isWeakPublicKey(publicKeyHex)) return false;
  try {
    // RFC 8032 strict verification: ZIP-215's permissive rules accept forgeries under weak keys.
    return ed.verify(hexToBytes(signatureHex), canonicalStatement(statement), hexToBytes(publicKeyHex), {
      zip215: false,
    });
  } catch {
    return false;
  }
}

export function signStatement(statement: ApprovalStatement, secretKey: Uint8Array): string {
  return bytesToHex(ed.sign(canonicalStatement(statement), secretKey));
}

export function publicKeyOf(secretKey: Uint8Array): string {
  return bytesToHex(ed.getPublicKey(secretKey));
}

export { bytesToHex, hexToBytes };
