import type { Client, WorkflowHandle } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import { CampaignSpecSchema, type CampaignSpec, type CampaignSpecInput } from '../../domain/campaign-spec';
import type { AccountRotationReport, CampaignPhase, CampaignStatus } from '../../domain/rotation-report';
import { KeywardenCampaignId, KeywardenInitiator, KeywardenKind } from '../../domain/search-attributes';
import { rotationCampaign } from '../../workflows/rotation-campaign';
import { campaignStatusQuery } from '../../workflows/messages';

export const INITIATOR = 'platform-team@example.com';
export const APPROVERS = ['security-lead@example.com', 'ciso@example.com'];

export function testSpec(overrides: Partial<CampaignSpecInput> & { id: string }): CampaignSpec {
  const input: CampaignSpecInput = {
    name: `test ${overrides.id}`,
    initiator: INITIATOR,
    scope: { allAccounts: true },
    policy: { exemptions: { groups: ['keywarden-exempt'] } },
    windows: { adoption: '1s', grace: '1s' },
    approval: { approvers: APPROVERS, timeout: '10m' },
    limits: { maxAccountsInFlight: 3, maxKeysInFlightPerAccount: 3 },
    ...overrides,
  };
  return CampaignSpecSchema.parse(input);
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}`;
}

export async function startCampaign(client: Client, taskQueue: string, spec: CampaignSpec) {
  return client.workflow.start(rotationCampaign, {
    taskQueue,
    workflowId: spec.id,
    args: [{ spec }],
    typedSearchAttributes: [
      { key: KeywardenKind, value: 'campaign' },
      { key: KeywardenCampaignId, value: spec.id },
      { key: KeywardenInitiator, value: spec.initiator },
    ],
  });
}

export async function waitForPhase(
  handle: WorkflowHandle<typeof rotationCampaign>,
  phases: CampaignPhase[],
  timeoutMs = 180_000,
): Promise<CampaignStatus> {
  return waitForStatus(handle, (s) => phases.includes(s.phase), `phase ${phases.join('|')}`, timeoutMs);
}

/** Polls the campaign's status query until `holds` is true. */
export async function waitForStatus(
  handle: WorkflowHandle<typeof rotationCampaign>,
  holds: (status: CampaignStatus) => boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<CampaignStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: CampaignStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(campaignStatusQuery);
    if (holds(last)) return last;
    await delay(200);
  }
  throw new Error(`campaign did not reach ${what} in time; last status: ${JSON.stringify(last)}`);
}

/** Visibility is eventually consistent: poll until the expected number of workflows is listed. */
export async function listWorkflowIds(client: Client, query: string, atLeast: number): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const ids: string[] = [];
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length >= atLeast || attempt >= 50) return ids.sort();
    await delay(200);
  }
}

export async function accountReports(
  client: Client,
  campaignId: string,
  accounts: number,
): Promise<AccountRotationReport[]> {
  const ids = await listWorkflowIds(
    client,
    `KeywardenCampaignId = "${campaignId}" AND KeywardenKind = "account-rotation"`,
    accounts,
  );
  return Promise.all(
    ids.map((id) => client.workflow.getHandle(id).result() as Promise<AccountRotationReport>),
  );
}

/** Every event of every workflow of the campaign (itself, its accounts, its key sagas), as text. */
export async function campaignHistoriesText(
  client: Client,
  campaignId: string,
  expectedWorkflows: number,
): Promise<string> {
  const ids = await listWorkflowIds(client, `KeywardenCampaignId = "${campaignId}"`, expectedWorkflows);
  const texts: string[] = [];
  for (const id of ids) {
    texts.push(historyText(await client.workflow.getHandle(id).fetchHistory()));
  }
  return texts.join('\n');
}

/** All text in a history, with payload bytes decoded (JSON.stringify alone would show them as numbers). */
export function historyText(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || node === undefined) return;
    if (node instanceof Uint8Array) parts.push(Buffer.from(node).toString('utf8'));
    else if (typeof node === 'string') parts.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(value);
  return parts.join('\n');
}
