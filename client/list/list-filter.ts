import { z } from 'zod';
import { KeywardenKind, KeywardenPhase } from '../../domain/search-attributes';

export const LISTED_KINDS = ['campaign', 'offboarding', 'revocation'] as const;
export type ListedKind = (typeof LISTED_KINDS)[number];

/**
 * The phases in which a workflow waits for people: at its gate, or past the gate's timeout and
 * still waiting (a campaign's `approval-escalated`, an offboarding's `escalated`).
 */
export const AWAITING_APPROVAL_PHASES = ['awaiting-approval', 'approval-escalated', 'escalated'] as const;

export const ListFilterSchema = z.strictObject({
  kind: z.enum(LISTED_KINDS, { error: `--kind takes one of ${LISTED_KINDS.join(', ')}` }).optional(),
  awaitingApproval: z.boolean().default(false),
  /** Closed runs too, not only running ones. */
  all: z.boolean().default(false),
});
export type ListFilter = z.output<typeof ListFilterSchema>;

const quoted = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

/** The visibility query: everything the filter asks is answered by search attributes. */
export function listQuery(filter: ListFilter): string {
  const kinds = filter.kind === undefined ? LISTED_KINDS : [filter.kind];
  const clauses = [`${KeywardenKind.name} IN (${quoted(kinds)})`];
  if (!filter.all || filter.awaitingApproval) clauses.push(`ExecutionStatus = "Running"`);
  if (filter.awaitingApproval)
    clauses.push(`${KeywardenPhase.name} IN (${quoted(AWAITING_APPROVAL_PHASES)})`);
  return clauses.join(' AND ');
}

export function isAwaitingApproval(phase: string | undefined): boolean {
  return (AWAITING_APPROVAL_PHASES as readonly string[]).includes(phase ?? '');
}
