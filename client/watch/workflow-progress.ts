import type { RevokeStatus } from '../../domain/revoke-report';
import type { ScpAttachmentStatus } from '../../domain/scp';
import { campaignStatus } from '../campaign-client';
import { UsageError } from '../cli-error';
import { offboardingStatus } from '../offboarding-client';
import type { DescribedWorkflow, TemporalSession } from '../temporal-connection';
import type { SnapshotFields } from './progress-snapshot';
import { campaignProgress, offboardingProgress, phaseOnlyProgress } from './progress-snapshot';

/** The progress fields of any kind `status --watch` follows, read through that kind's client. */
export async function workflowProgress(
  session: TemporalSession,
  described: DescribedWorkflow,
): Promise<SnapshotFields> {
  const id = described.id;
  switch (described.kind) {
    case 'campaign':
    case 'campaign-shard':
      return campaignProgress(await campaignStatus(session, id, described));
    case 'offboarding':
      return offboardingProgress(await offboardingStatus(session, id, described));
    case 'revocation':
    case 'scp-attachment': {
      // Both answer the same `status` query an offboarding does, with a phase of their own.
      const status = (await offboardingStatus(session, id, described)) as unknown as
        RevokeStatus | ScpAttachmentStatus;
      return phaseOnlyProgress(id, status);
    }
    default:
      throw new UsageError(
        `status --watch follows campaigns, offboardings, revocations and SCP attachments; ${id} is ${described.kind}: run keywarden status ${id} without --watch`,
      );
  }
}
