import { z } from 'zod';
import type { AbortRequest, KeyDecision, RoundDecision } from '../domain/approval-state';
import type { AccountProgress, KeyProgress } from './messages';

// Keywarden's own messages between its workflows are judged like any other input: a message of
// the wrong shape (sent by hand, or undecodable) is logged and ignored instead of throwing in a
// handler, which would fail every workflow task from then on. Workflows load this module on their
// first message, through judged.ts (see domain/lazily.ts).

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const proof = z.array(z.strictObject({ side: z.enum(['L', 'R']), hash: hex64 })).max(64);
const abortSigned = z.strictObject({
  round: z.literal(0),
  planDigest: hex64,
  expiresAt: z.string().max(64),
  signature: z.string().max(256),
});
const signed = z.strictObject({
  round: z.int().min(1),
  planDigest: hex64,
  expiresAt: z.string().max(64),
  signature: z.string().max(256),
});
const approval = z.strictObject({
  approver: z.string().max(256),
  comment: z.string().max(2000).optional(),
  at: z.string().max(64),
  signed: signed.optional(),
});

const decisionFields = {
  outcome: z.enum(['approved', 'rejected', 'timed-out', 'cancelled']),
  by: z.array(z.string().max(256)).max(100),
  at: z.string().max(64),
  reason: z.string().max(4000),
  approvals: z.array(approval).max(100).optional(),
  planDigest: hex64.optional(),
  round: z.int().min(1).max(100_000),
  accountProof: proof.optional(),
};

export const RoundDecisionSchema: z.ZodType<RoundDecision> = z.strictObject(decisionFields);

export const KeyDecisionSchema: z.ZodType<KeyDecision> = z.strictObject({
  ...decisionFields,
  accessKeyIds: z.array(z.string().max(128)).max(4),
  accountDigest: hex64.optional(),
  keyProof: proof.optional(),
});

export const AbortRequestSchema: z.ZodType<AbortRequest> = z.strictObject({
  by: z.string().max(256),
  reason: z.string().max(4000),
  at: z.string().max(64),
  comment: z.string().max(2000).optional(),
  signed: abortSigned.optional(),
});

export const KeyProgressSchema: z.ZodType<KeyProgress> = z.strictObject({
  userName: z.string().min(1).max(128),
  stage: z.enum(['waiting', 'awaiting-decision', 'finished']),
  accessKeyId: z.string().max(128).optional(),
  seq: z.int().min(0),
});

export const AccountProgressSchema: z.ZodType<AccountProgress> = z.strictObject({
  // An account ID, or a shard's key in a sharded campaign.
  accountId: z.string().regex(/^([0-9]{12}|shard-[0-9]{1,6})$/),
  stage: z.enum(['working', 'waiting', 'ready', 'finished']),
  usersWaiting: z.int().min(0).optional(),
  accountsWaiting: z.int().min(0).optional(),
  decidedRounds: z.int().min(0).optional(),
  planDigest: hex64.optional(),
  seq: z.int().min(0),
});
