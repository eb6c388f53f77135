import type { SearchAttributePair } from '@temporalio/common';
import type { CampaignInput } from '../domain/campaign-input';
import type { CampaignSpec } from '../domain/campaign-spec';
import { KeywardenCampaignId, KeywardenInitiator, KeywardenKind } from '../domain/search-attributes';

export const CAMPAIGN_WORKFLOW_TYPE = 'rotationCampaign';

/** What a campaign start hands Temporal, whether `keywarden rotate` starts it or a schedule does. */
export interface CampaignStartOptions {
  workflowType: typeof CAMPAIGN_WORKFLOW_TYPE;
  taskQueue: string;
  args: [CampaignInput];
  staticSummary: string;
  staticDetails: string;
  typedSearchAttributes: SearchAttributePair[];
}

/** The spec as it runs: `dryRun` (rotate --dry-run, schedule --inventory) forces an inventory-only run. */
export function effectiveSpec(spec: CampaignSpec, opts: { dryRun?: boolean } = {}): CampaignSpec {
  return opts.dryRun ? { ...spec, dryRun: true } : spec;
}

/** The same workflow input, search attributes and Web UI texts as `keywarden rotate` gives a campaign. */
export function campaignStartOptions(
  spec: CampaignSpec,
  taskQueue: string,
  opts: { dryRun?: boolean } = {},
): CampaignStartOptions {
  const effective = effectiveSpec(spec, opts);
  return {
    workflowType: CAMPAIGN_WORKFLOW_TYPE,
    taskQueue,
    args: [{ spec: effective }],
    staticSummary: `Key rotation campaign ${spec.id}: ${spec.name}`.slice(0, 200),
    staticDetails: campaignStaticDetails(effective),
    typedSearchAttributes: [
      { key: KeywardenKind, value: 'campaign' },
      { key: KeywardenCampaignId, value: spec.id },
      { key: KeywardenInitiator, value: spec.initiator },
    ],
  };
}

/** What the Web UI shows under the summary: what the campaign does and how to decide on it. */
export function campaignStaticDetails(spec: CampaignSpec): string {
  const signed = spec.approval.signatures === 'required';
  return [
    `Initiated by ${spec.initiator}${spec.dryRun ? ' (dry run: nothing changes)' : ''}.`,
    `Windows: ${spec.windows.adoption} adoption, ${spec.windows.grace} grace. Approvals: ${spec.approval.requiredApprovals} of ${spec.approval.approvers.join(', ')} (scope ${spec.approval.scope}).`,
    signed
      ? 'Approvals must be signed: keywarden approve <id> --key <file> (or --print-payload to paste into Send a Signal / Send an Update).'
      : 'Approvals are NOT authenticated (approval.signatures: off): anyone who may signal this workflow can type an approver name.',
    'Signals and Updates: approve, reject {"approver": "...", "comment": "..."}; abort stops the campaign. Query: status.',
  ].join('\n');
}
