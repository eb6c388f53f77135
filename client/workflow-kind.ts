import type { KeywardenKindValue } from '../domain/search-attributes';

export type WorkflowKind = KeywardenKindValue;

/** Guesses the kind from the workflow type and ID when a workflow carries no KeywardenKind. */
export function kindFromShape(workflowId: string, workflowType?: string): WorkflowKind {
  switch (workflowType) {
    case 'rotationCampaign':
      return 'campaign';
    case 'accountRotation':
      return 'account-rotation';
    case 'keyRotation':
      return 'key-rotation';
    case 'offboardEmployee':
      return 'offboarding';
    case 'revokeKey':
      return 'revocation';
    case 'attachScp':
      return 'scp-attachment';
  }
  if (workflowId.startsWith('scp-attach-')) return 'scp-attachment';
  if (workflowId.startsWith('offboard-')) return 'offboarding';
  if (workflowId.startsWith('revoke-')) return 'revocation';
  const parts = workflowId.split('/').length;
  if (parts === 2) return 'account-rotation';
  if (parts > 2) return 'key-rotation';
  return 'campaign';
}

/** "a campaign", "an offboarding": for messages that name a kind. */
export function withArticle(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
