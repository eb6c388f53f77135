import * as v from 'valibot';
import type { AbortRequest, KeyDecision, RoundDecision } from '../domain/approval-state';
import type { AccountProgress, KeyProgress } from './messages';

// Keywarden's own messages between its workflows are judged like any other input: a message of
// the wrong shape (sent by hand, or undecodable) is logged and ignored instead of throwing in a
// handler, which would fail every workflow task from then on. Workflows load this module on their
// first message, through judged.ts (see domain/lazily.ts).
//
// These schemas are valibot's, where every other boundary's are zod's: the worker evaluates a
// workflow's modules anew for every workflow it caches, and nearly every cached workflow of a
// campaign (its shards, accounts and sagas) receives one of these messages. Evaluating zod costs
// each of them about 0.85 MiB of heap, valibot next to nothing (measured: 994 and 143 KiB per
// fresh context, 142 KiB with no library; README, "Where a worker's memory goes").
// test/unit/lint/workflow-bundle-zod.test.ts proves that judging them loads no zod.

// Counted in code points, as zod counts a string's length at the outer boundary: a comment an
// approver may send (2,000 emoji, say) must pass on to every child unchanged.
const codePoints = (s: string): number => {
  let count = 0;
  for (const _ of s) count++;
  return count;
};
const bounded = (max: number) =>
  v.pipe(
    v.string(),
    v.check((s) => s.length <= max || codePoints(s) <= max, `at most ${max} characters`),
  );
const count = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));
const hex64 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const proof = v.pipe(v.array(v.strictObject({ side: v.picklist(['L', 'R']), hash: hex64 })), v.maxLength(64));
const abortSigned = v.strictObject({
  round: v.literal(0),
  planDigest: hex64,
  expiresAt: bounded(64),
  signature: bounded(256),
});
const signed = v.strictObject({
  round: count(1),
  planDigest: hex64,
  expiresAt: bounded(64),
  signature: bounded(256),
});
const approval = v.strictObject({
  approver: bounded(256),
  comment: v.optional(bounded(2000)),
  at: bounded(64),
  signed: v.optional(signed),
});

const decisionFields = {
  outcome: v.picklist(['approved', 'rejected', 'timed-out', 'cancelled']),
  by: v.pipe(v.array(bounded(256)), v.maxLength(100)),
  at: bounded(64),
  reason: bounded(4000),
  approvals: v.optional(v.pipe(v.array(approval), v.maxLength(100))),
  planDigest: v.optional(hex64),
  round: count(1, 100_000),
  accountProof: v.optional(proof),
};

/** A schema whose output is the domain's type: a required field added there must be judged here. */
type MessageSchema<T> = v.GenericSchema<unknown, T>;

export const RoundDecisionSchema: MessageSchema<RoundDecision> = v.strictObject(decisionFields);

export const KeyDecisionSchema: MessageSchema<KeyDecision> = v.strictObject({
  ...decisionFields,
  accessKeyIds: v.pipe(v.array(bounded(128)), v.maxLength(4)),
  accountDigest: v.optional(hex64),
  keyProof: v.optional(proof),
});

export const AbortRequestSchema: MessageSchema<AbortRequest> = v.strictObject({
  by: bounded(256),
  reason: bounded(4000),
  at: bounded(64),
  comment: v.optional(bounded(2000)),
  signed: v.optional(abortSigned),
});

export const KeyProgressSchema: MessageSchema<KeyProgress> = v.strictObject({
  userName: v.pipe(bounded(128), v.minLength(1)),
  stage: v.picklist(['waiting', 'awaiting-decision', 'finished']),
  accessKeyId: v.optional(bounded(128)),
  seq: count(0),
});

export const AccountProgressSchema: MessageSchema<AccountProgress> = v.strictObject({
  // An account ID, or a shard's key in a sharded campaign.
  accountId: v.pipe(v.string(), v.regex(/^([0-9]{12}|shard-[0-9]{1,6})$/)),
  stage: v.picklist(['working', 'waiting', 'ready', 'finished']),
  usersWaiting: v.optional(count(0)),
  accountsWaiting: v.optional(count(0)),
  decidedRounds: v.optional(count(0)),
  planDigest: v.optional(hex64),
  seq: count(0),
});
