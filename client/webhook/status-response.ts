import type { DecisionOutcome } from '../../domain/approval-state';
import type { OffboardingPhase, OffboardingStatus, PurgeMode } from '../../domain/offboarding-report';

/**
 * What the signed status GET tells the HR system: where the offboarding stands, counts and
 * timings. Built field by field from the workflow's status, never spread from it, so user names,
 * key IDs, MFA serials, policy documents, approvers and error texts stay inside keywarden (a
 * person reads them with `keywarden status`).
 */
export interface WebhookStatusResponse {
  employeeId: string;
  workflowId: string;
  phase: OffboardingPhase;
  purgeMode: PurgeMode;
  requestedAt: string;
  containedAt?: string;
  timeToContainmentMs?: number;
  containmentComplete?: boolean;
  finishedAt?: string;
  users: { matched: number; contained: number; purged: number; restored: number; failed: number };
  accounts: { searched: number; failed: number };
  approval: {
    requiredApprovals: number;
    approvals: number;
    deadline?: string;
    decision?: DecisionOutcome;
    decidedAt?: string;
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

export function toWebhookStatusResponse(status: OffboardingStatus): WebhookStatusResponse {
  const users = status.users;
  const decision = status.approval.decision;
  return {
    employeeId: status.employeeId,
    workflowId: status.workflowId,
    phase: status.phase,
    purgeMode: status.purgeMode,
    requestedAt: status.requestedAt,
    ...optional('containedAt', status.containedAt),
    ...optional('timeToContainmentMs', status.timeToContainmentMs),
    ...optional('containmentComplete', status.containmentComplete),
    ...optional('finishedAt', status.finishedAt),
    users: {
      matched: users.length,
      contained: users.filter((u) => u.containedAt !== undefined).length,
      purged: users.filter((u) => u.actions.some((a) => a.action === 'purged')).length,
      restored: users.filter((u) => u.restore !== undefined).length,
      failed: users.filter((u) => u.error !== undefined).length,
    },
    accounts: { searched: status.accountsSearched.length, failed: status.accountsFailed.length },
    approval: {
      requiredApprovals: status.approval.requiredApprovals,
      approvals: status.approval.approvals.length,
      ...optional('deadline', status.approval.deadline),
      ...optional('decision', decision?.outcome),
      ...optional('decidedAt', decision?.at),
    },
  };
}
