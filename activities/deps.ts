import type { Client } from '@temporalio/client';
import type { ApproverRegistry } from '../domain/approver-registry';
import type { AwsClients } from './aws/clients';
import type { NotifyChannels } from './notification-channels';

/** Named points where a test can make an activity fail on purpose, to prove crash recovery. */
/**
 * `create-response-lost`: CreateAccessKey acted but the worker never learned the new key's ID (the
 * answer lost on the wire, or the worker died before recording it). `after-create-access-key`: the
 * key ID was recorded, then the attempt failed.
 */
export type FaultPoint = 'create-response-lost' | 'after-create-access-key';

export interface ActivityDeps {
  aws: AwsClients;
  /** The approvers' public keys, kept with the worker (KEYWARDEN_APPROVER_KEYS); none: specs bring their own. */
  approverRegistry?: ApproverRegistry;
  /** The worker's notification channels (KEYWARDEN_NOTIFY_*); none: only what specs configure. */
  notify?: NotifyChannels;
  /** For activities that describe keywarden's own workflows (a parent reconciling its children). */
  temporal?: Client;
  /** Production passes none. A hook that throws simulates a crash at that point of the activity. */
  faults?: Partial<
    Record<FaultPoint, (context: { accountId: string; userName: string; attempt: number }) => void>
  >;
}
