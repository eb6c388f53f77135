import { z } from 'zod';
import { durationSchema } from './duration';
import { normalizePrincipal, principalSchema } from './ids';

/** Who may approve, and what happens when nobody does. Campaigns and offboarding extend it. */
export const ApprovalSettingsBase = z.strictObject({
  approvers: z
    .array(principalSchema)
    .min(1, 'list at least one approver in approvers, e.g. ["alice@example.com"]'),
  requiredApprovals: z.int().min(1, 'requiredApprovals must be at least 1').default(1),
  timeout: durationSchema.default('7d'),
  onTimeout: z.enum(['reject', 'escalate']).default('reject'),
});

export type ApprovalSettings = z.output<typeof ApprovalSettingsBase>;

/** Distinct approvers who are not the initiator: only they can count towards requiredApprovals. */
export function eligibleApprovers(approvers: readonly string[], initiator: string): string[] {
  const self = normalizePrincipal(initiator);
  return [...new Set(approvers.map(normalizePrincipal))].filter((a) => a !== self);
}

/** The four-eyes cross-check shared by campaign specs and offboarding requests; undefined when fine. */
export function approverShortfall(
  approval: { approvers: readonly string[]; requiredApprovals: number },
  initiator: string,
): string | undefined {
  const available = eligibleApprovers(approval.approvers, initiator).length;
  if (available >= approval.requiredApprovals) return undefined;
  return (
    `approval.requiredApprovals is ${approval.requiredApprovals} but only ${available} approvers ` +
    'other than the initiator are listed: add approvers or lower requiredApprovals'
  );
}
