import { defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { ApprovalSettings } from '../domain/approval-settings';
import { effectiveSignatures } from '../domain/effective-signatures';
import { durationToMs } from '../domain/duration-ms';
import { scpPlanDigest, type ScpAttachmentStatus } from '../domain/scp-attachment';
import { ApprovalGate } from './approval-gate';
import { failureMessage } from './failure-message';

export interface AttachScpWorkflowInput {
  ouId: string;
  policyName: string;
  /** The SCP document exactly as `keywarden scp` printed it: approvers sign for this text. */
  policyText: string;
  initiator: string;
  approval: ApprovalSettings;
}

export const scpAttachmentStatusQuery = defineQuery<ScpAttachmentStatus>('status');

const { approverRegistry } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

const { describeScpTarget, attachServiceControlPolicy } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

/**
 * Attaches keywarden's service control policy to one OU, only after approval: checks that the OU
 * exists, offers the policy text and target to the approval gate (approvals sign their digest),
 * and on approval creates the policy (or finds it by name, with the same document) and attaches
 * it. A rejection or a timeout attaches nothing; nothing is created before the decision.
 */
export async function attachScp(input: AttachScpWorkflowInput): Promise<ScpAttachmentStatus> {
  const gate = new ApprovalGate({
    approvers: input.approval.approvers,
    requiredApprovals: input.approval.requiredApprovals,
    initiator: input.initiator,
    timeoutMs: durationToMs(input.approval.timeout),
    onTimeout: input.approval.onTimeout,
    signatures: input.approval.signatures,
    publicKeys: input.approval.publicKeys,
    acceptsCancel: false,
    refuseBeforeOpen: true,
  }).listen();
  const status: ScpAttachmentStatus = {
    workflowId: workflowInfo().workflowId,
    ouId: input.ouId,
    policyName: input.policyName,
    phase: 'checking-target',
    approval: gate.snapshot(),
  };
  const current = (): ScpAttachmentStatus => ({ ...status, approval: gate.snapshot() });
  setHandler(scpAttachmentStatusQuery, current);

  // Unreadable registry: fail closed, signatures required and no key known, so nothing can approve.
  const registry = await approverRegistry().catch(() => ({
    configured: true,
    requireSignatures: true,
    publicKeys: {},
  }));
  gate.useSignatures(effectiveSignatures(input.approval, registry));

  try {
    status.ouName = (await describeScpTarget({ ouId: input.ouId })).name;
  } catch (error) {
    status.phase = 'failed';
    status.error = failureMessage(error);
    return current();
  }

  gate.offer(
    scpPlanDigest(input.ouId, input.policyName, input.policyText),
    `attach the service control policy ${input.policyName} to OU ${input.ouId} (${status.ouName})`,
  );
  status.phase = 'awaiting-approval';
  const decision = await gate.waitForDecision();
  if (decision?.outcome !== 'approved') {
    status.phase = decision?.outcome === 'timed-out' ? 'timed-out' : 'rejected';
    return current();
  }

  status.phase = 'attaching';
  try {
    const attached = await attachServiceControlPolicy({
      ouId: input.ouId,
      policyName: input.policyName,
      policyText: input.policyText,
      // Organizations takes at most 512 characters of description.
      description:
        `keywarden: only keywarden and break-glass roles may create or reactivate access keys (approved by ${decision.by.join(', ')})`.slice(
          0,
          512,
        ),
    });
    status.policyId = attached.policyId;
    status.policyArn = attached.policyArn;
    status.created = attached.created;
    status.phase = 'attached';
  } catch (error) {
    status.phase = 'failed';
    status.error = failureMessage(error);
  }
  return current();
}
