import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { byCodeUnits } from './order';

// A Merkle tree over what awaits a decision. Approvers sign its root (the plan digest); each
// account and each saga receives a short proof that its own item is in what was signed, so it
// can check the decision itself instead of trusting whoever passed it on.

export interface ProofStep {
  /** The sibling's side: 'L' when it is hashed before the running hash. */
  side: 'L' | 'R';
  hash: string;
}

const encoder = new TextEncoder();

/** What an abort is signed for: it stops everything, whatever awaits a decision. */
export const NO_PLAN = '0'.repeat(64);

function hashOf(prefix: string, ...parts: Uint8Array[]): string {
  const head = encoder.encode(prefix);
  const total = parts.reduce((n, p) => n + p.length, head.length);
  const buffer = new Uint8Array(total);
  buffer.set(head, 0);
  let offset = head.length;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.length;
  }
  return bytesToHex(sha256(buffer));
}

/** One item: its fields joined by NUL, which none of them may contain. */
export function leafHash(...fields: string[]): string {
  return hashOf('leaf\0', encoder.encode(fields.join('\0')));
}

function nodeHash(left: string, right: string): string {
  return hashOf('node\0', hexToBytes(left), hexToBytes(right));
}

const EMPTY_ROOT = hashOf('empty\0');

function levels(leaves: readonly string[]): string[][] {
  const sorted = [...new Set(leaves)].sort(byCodeUnits);
  const all = [sorted];
  let level = sorted;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as string;
      const right = level[i + 1];
      next.push(right === undefined ? left : nodeHash(left, right));
    }
    all.push(next);
    level = next;
  }
  return all;
}

export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return EMPTY_ROOT;
  const all = levels(leaves);
  return (all[all.length - 1] as string[])[0] as string;
}

/** The proof for `leaf`, or undefined when it is not one of `leaves`. */
export function merkleProof(leaves: readonly string[], leaf: string): ProofStep[] | undefined {
  return merkleProofs(leaves).get(leaf);
}

/**
 * Every leaf's proof from one tree: proofs for a whole plan cost one tree, not one tree each
 * (a plan of thousands of keys would otherwise hash for seconds inside one workflow task).
 */
export function merkleProofs(leaves: readonly string[]): Map<string, ProofStep[]> {
  const all = levels(leaves);
  const proofs = new Map<string, ProofStep[]>();
  (all[0] as string[]).forEach((leaf, start) => {
    const proof: ProofStep[] = [];
    let index = start;
    for (const level of all.slice(0, -1)) {
      const sibling = index % 2 === 0 ? level[index + 1] : level[index - 1];
      if (sibling !== undefined) proof.push({ side: index % 2 === 0 ? 'R' : 'L', hash: sibling });
      index = Math.floor(index / 2);
    }
    proofs.set(leaf, proof);
  });
  return proofs;
}

export function rootFromProof(leaf: string, proof: readonly ProofStep[]): string {
  return proof.reduce(
    (hash, step) => (step.side === 'L' ? nodeHash(step.hash, hash) : nodeHash(hash, step.hash)),
    leaf,
  );
}

/** An account's plan: each saga's user and the key it asks to delete. */
export function accountPlanLeaf(userName: string, accessKeyId: string): string {
  return leafHash('key', userName, accessKeyId);
}

/** A campaign's plan: each ready account and the digest of its own plan. */
export function campaignPlanLeaf(accountId: string, accountDigest: string): string {
  return leafHash('account', accountId, accountDigest);
}
