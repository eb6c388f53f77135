import type { OffboardingStatus } from '../../domain/offboarding-report';
import type { WorkflowRef } from '../../domain/key-diagnosis';
import { revokeWorkflowId } from '../../domain/revoke-request';
import { KeywardenKind } from '../../domain/search-attributes';
import { keyWorkflowId } from '../../workflows/key-rotation';
import { offboardingStatus } from '../offboarding-client';
import type { TemporalSession } from '../temporal-connection';

/** Offboardings read per lookup, newest first: each costs a query or a result read. */
export const OFFBOARDINGS_SEARCHED = 25;

export interface KeywardenTouches {
  /** The newest keywarden workflow that acted on the user's keys. */
  lastTouched?: WorkflowRef;
  /** Offboardings that contained the user, newest first. */
  containedBy: WorkflowRef[];
}

function refOf(
  client: TemporalSession,
  workflowId: string,
  kind: string,
  info: { status: { name: string }; startTime: Date; closeTime?: Date },
): WorkflowRef {
  const ref: WorkflowRef = {
    workflowId,
    kind,
    status: info.status.name,
    startTime: info.startTime.toISOString(),
  };
  if (info.closeTime !== undefined) ref.closeTime = info.closeTime.toISOString();
  const link = client.link(workflowId);
  if (link !== undefined) ref.link = link;
  return ref;
}

/** The rotation saga of the user (one workflow ID per account and user), if there ever was one. */
async function rotationSaga(client: TemporalSession, accountId: string, userName: string) {
  const workflowId = keyWorkflowId(accountId, userName);
  try {
    const described = await client.client.workflow.getHandle(workflowId).describe();
    return refOf(client, workflowId, 'key-rotation', described);
  } catch {
    return undefined;
  }
}

/** The revocations of these keys (one workflow ID per key), if there ever were any. */
async function revocations(client: TemporalSession, accessKeyIds: readonly string[]) {
  const found = await Promise.all(
    [...new Set(accessKeyIds)].map(async (accessKeyId) => {
      const workflowId = revokeWorkflowId(accessKeyId);
      try {
        return refOf(
          client,
          workflowId,
          'revocation',
          await client.client.workflow.getHandle(workflowId).describe(),
        );
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((ref): ref is WorkflowRef => ref !== undefined);
}

/** The newest offboardings whose status lists the user as contained. */
async function containingOffboardings(client: TemporalSession, accountId: string, userName: string) {
  const found: WorkflowRef[] = [];
  const query = `${KeywardenKind.name} = "offboarding"`;
  let seen = 0;
  for await (const info of client.client.workflow.list({ query })) {
    if (++seen > OFFBOARDINGS_SEARCHED) break;
    let status: OffboardingStatus;
    try {
      status = await offboardingStatus(client, info.workflowId);
    } catch {
      continue; // a run that does not answer cannot say whom it contained
    }
    const user = status.users.find((u) => u.accountId === accountId && u.userName === userName);
    if (user?.containedAt !== undefined || user?.containment !== undefined || user?.alreadyContained) {
      found.push(refOf(client, info.workflowId, 'offboarding', info));
    }
  }
  return found.sort((a, b) => b.startTime.localeCompare(a.startTime));
}

/** Which keywarden workflows acted on a user, from Temporal visibility. */
export async function keywardenTouches(
  client: TemporalSession,
  accountId: string,
  userName: string,
  accessKeyIds: readonly string[] = [],
): Promise<KeywardenTouches> {
  const [saga, containedBy, revoked] = await Promise.all([
    rotationSaga(client, accountId, userName),
    containingOffboardings(client, accountId, userName),
    revocations(client, accessKeyIds),
  ]);
  const candidates = [...(saga === undefined ? [] : [saga]), ...containedBy, ...revoked];
  const lastTouched = candidates.sort((a, b) => b.startTime.localeCompare(a.startTime))[0];
  return lastTouched === undefined ? { containedBy } : { lastTouched, containedBy };
}
