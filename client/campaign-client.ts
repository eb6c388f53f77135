import type { WorkflowExecutionDescription, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { ApprovalSignal } from '../domain/approval';
import type { CampaignInput } from '../domain/campaign-input';
import type { CampaignSpec } from '../domain/campaign-spec';
import { distinctAccountFindings } from '../domain/findings';
import type { OffboardingStatus } from '../domain/offboarding-report';
import type {
  AccountRotationReport,
  CampaignPhase,
  CampaignStatus,
  UserRotationReport,
} from '../domain/rotation-report';
import type { KeywardenKindValue } from '../domain/search-attributes';
import {
  KeywardenAccountId,
  KeywardenCampaignId,
  KeywardenInitiator,
  KeywardenKind,
} from '../domain/search-attributes';
import {
  accountStatusQuery,
  abortSignal,
  approveSignal,
  cancelSignal,
  campaignStatusQuery,
  keyStatusQuery,
  rejectSignal,
} from '../workflows/messages';
import type { offboardEmployee, rotationCampaign } from '../workflows';
import { connectionFailureMessage } from '../connection/connection-failure';
import { clientConnectionOptions } from '../connection/connection-options';
import { CliError, UsageError } from './cli-error';
import { missingSearchAttributesMessage } from './search-attribute-setup';
import type { CampaignReport } from './report/campaign-report';
import { sortAccounts } from './report/campaign-report';
import type { TemporalTarget } from './temporal-target';
import { workflowUiLink } from './temporal-target';

// Started by name with the workflow's type for its arguments: the client never loads workflow code.
type RotationCampaignWorkflow = typeof rotationCampaign;
type OffboardEmployeeWorkflow = typeof offboardEmployee;
const CAMPAIGN_WORKFLOW_TYPE = 'rotationCampaign';

export type SignalName = 'approve' | 'reject' | 'cancel' | 'abort';
export type WorkflowKind = KeywardenKindValue;

const SIGNALS = {
  approve: approveSignal,
  reject: rejectSignal,
  cancel: cancelSignal,
  abort: abortSignal,
} as const;
const TERMINAL_PHASES: readonly CampaignPhase[] = ['completed', 'aborted', 'failed'];
const QUERY_DEADLINE_MS = 15_000;
const CONNECT_TIMEOUT = '10s';
const REPORT_CONCURRENCY = 8;

export interface StartedCampaign {
  campaignId: string;
  runId: string;
  dryRun: boolean;
  link?: string;
}

export interface DescribedWorkflow {
  id: string;
  kind: WorkflowKind;
  /** RUNNING, COMPLETED, FAILED, … as Temporal names it. */
  executionStatus: string;
  description: WorkflowExecutionDescription;
}

export interface WaitOptions {
  pollMs?: number;
  /** Called with every status read, e.g. to print phase changes. */
  onStatus?: (status: CampaignStatus) => void;
  /** Give up after this long (default: wait as long as it takes). */
  timeoutMs?: number;
}

export function isTerminalPhase(phase: CampaignPhase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

function errorText(error: unknown): string {
  if (error instanceof WorkflowFailedError && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** gRPC status DEADLINE_EXCEEDED, anywhere in the cause chain (the SDK wraps it in a ServiceError). */
function isDeadlineExceeded(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 4 || /DEADLINE_EXCEEDED/.test(e.message)) return true;
  }
  return false;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** keywarden's view of Temporal: campaigns and offboarding runs, by workflow ID. */
export class CampaignClient {
  private constructor(
    readonly target: TemporalTarget,
    private readonly connection: Connection,
    readonly client: Client,
  ) {}

  static async connect(target: TemporalTarget): Promise<CampaignClient> {
    let connection: Connection;
    try {
      connection = await Connection.connect(
        clientConnectionOptions(target, { connectTimeout: CONNECT_TIMEOUT }),
      );
    } catch (error) {
      throw new CliError(await connectionFailureMessage(error, target));
    }
    return new CampaignClient(target, connection, new Client({ connection, namespace: target.namespace }));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  link(workflowId: string): string | undefined {
    return workflowUiLink(this.target, workflowId);
  }

  /** Starts a campaign whose workflow ID is its spec.id; `dryRun` forces an inventory-only run. */
  async startCampaign(spec: CampaignSpec, opts: { dryRun?: boolean } = {}): Promise<StartedCampaign> {
    const effective: CampaignSpec = opts.dryRun ? { ...spec, dryRun: true } : spec;
    const input: CampaignInput = { spec: effective };
    try {
      const handle = await this.client.workflow.start<RotationCampaignWorkflow>(CAMPAIGN_WORKFLOW_TYPE, {
        workflowId: spec.id,
        taskQueue: this.target.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Key rotation campaign ${spec.id}: ${spec.name}`.slice(0, 200),
        staticDetails: campaignStaticDetails(effective),
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'campaign' },
          { key: KeywardenCampaignId, value: spec.id },
          { key: KeywardenInitiator, value: spec.initiator },
        ],
      });
      return {
        campaignId: spec.id,
        runId: handle.firstExecutionRunId,
        dryRun: effective.dryRun,
        link: this.link(spec.id),
      };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new UsageError(`a campaign with ID ${spec.id} already exists: choose another spec.id`);
      }
      const notSetUp = missingSearchAttributesMessage(error, this.target.namespace);
      if (notSetUp !== undefined) throw new CliError(`could not start campaign ${spec.id}: ${notSetUp}`);
      throw new CliError(`could not start campaign ${spec.id}: ${errorText(error)}`);
    }
  }

  async describe(workflowId: string): Promise<DescribedWorkflow> {
    let description: WorkflowExecutionDescription;
    try {
      description = await this.client.workflow.getHandle(workflowId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new UsageError(
          `no campaign or offboarding with ID ${workflowId} in namespace ${this.target.namespace}`,
        );
      }
      throw new CliError(`could not look up ${workflowId}: ${errorText(error)}`);
    }
    const tagged = description.typedSearchAttributes.get(KeywardenKind);
    const kind = (tagged as WorkflowKind | undefined) ?? kindFromShape(workflowId, description.type);
    return { id: workflowId, kind, executionStatus: description.status.name, description };
  }

  /** The campaign's status: its query while it runs, its result once it has completed. */
  async campaignStatus(
    campaignId: string,
    described?: DescribedWorkflow,
    queryDeadlineMs = QUERY_DEADLINE_MS,
  ): Promise<CampaignStatus> {
    const d = described ?? (await this.describe(campaignId));
    if (d.kind !== 'campaign') {
      throw new UsageError(`${campaignId} is ${article(d.kind)} workflow, not a campaign`);
    }
    const handle = this.client.workflow.getHandle<RotationCampaignWorkflow>(campaignId);
    const query = () => handle.query(campaignStatusQuery);
    return this.statusOf(handle, d.executionStatus, query, 'campaign', queryDeadlineMs);
  }

  /**
   * The offboarding workflow's status: its `status` query while it runs, its result once it has
   * completed. It does not check the kind, so the approval commands can read the approval record of
   * any workflow that carries one; use collectOffboardingReport for an offboarding only.
   */
  async offboardingStatus(
    workflowId: string,
    described?: DescribedWorkflow,
    queryDeadlineMs = QUERY_DEADLINE_MS,
  ): Promise<OffboardingStatus> {
    const d = described ?? (await this.describe(workflowId));
    const handle = this.client.workflow.getHandle<OffboardEmployeeWorkflow>(workflowId);
    // By name (the workflow's offboardingStatusQuery): the client never loads workflow modules.
    return this.statusOf(
      handle,
      d.executionStatus,
      () => handle.query<OffboardingStatus>('status'),
      'offboarding',
      queryDeadlineMs,
    );
  }

  /** The status of an offboarding run (`offboard-<employeeId>`), everything its report shows. */
  async collectOffboardingReport(
    workflowId: string,
    described?: DescribedWorkflow,
  ): Promise<OffboardingStatus> {
    const d = described ?? (await this.describe(workflowId));
    if (d.kind !== 'offboarding') {
      throw new UsageError(`${workflowId} is ${article(d.kind)} workflow, not an offboarding`);
    }
    return this.offboardingStatus(workflowId, d);
  }

  /** One key-rotation workflow's report: its query while it runs, its result once it has completed. */
  async keyRotationStatus(workflowId: string, described?: DescribedWorkflow): Promise<UserRotationReport> {
    const d = described ?? (await this.describe(workflowId));
    const handle =
      this.client.workflow.getHandle<(input: unknown) => Promise<UserRotationReport>>(workflowId);
    return this.statusOf(handle, d.executionStatus, () => handle.query(keyStatusQuery), 'key rotation');
  }

  async accountReport(
    info: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'typedSearchAttributes'>,
  ): Promise<AccountRotationReport> {
    const handle = this.client.workflow.getHandle<(input: unknown) => Promise<AccountRotationReport>>(
      info.workflowId,
      info.runId,
    );
    try {
      return await this.statusOf(handle, info.status.name, () => handle.query(accountStatusQuery), 'account');
    } catch (error) {
      const [campaignId = '', accountFromId = info.workflowId] = info.workflowId.split('/');
      const accountId = info.typedSearchAttributes.get(KeywardenAccountId) ?? accountFromId;
      return {
        campaignId,
        accountId,
        accountName: accountId,
        status: 'failed',
        error: `account workflow ${info.status.name.toLowerCase()}: ${errorText(error)}`,
        users: [],
      };
    }
  }

  /**
   * The campaign status plus every account workflow's report, sorted by account ID. An account
   * workflow that continued as new has one run per page of users: its report merges every run,
   * a later run's entry for a user replacing an earlier one.
   */
  async collectReport(campaignId: string, now: () => Date = () => new Date()): Promise<CampaignReport> {
    const campaign = await this.campaignStatus(campaignId);
    const runs = new Map<string, WorkflowExecutionInfo[]>();
    const query = `${KeywardenCampaignId.name} = "${campaignId}" AND ${KeywardenKind.name} = "account-rotation"`;
    for await (const info of this.client.workflow.list({ query })) {
      runs.set(info.workflowId, [...(runs.get(info.workflowId) ?? []), info]);
    }
    const chains = [...runs.values()].map((chain) =>
      chain.sort((a, b) => a.startTime.getTime() - b.startTime.getTime()),
    );
    const accounts: AccountRotationReport[] = [];
    for (let i = 0; i < chains.length; i += REPORT_CONCURRENCY) {
      const batch = chains.slice(i, i + REPORT_CONCURRENCY);
      accounts.push(...(await Promise.all(batch.map((chain) => this.mergedAccountReport(chain)))));
    }
    // An account whose workflow never started (or is not visible yet) still belongs in the report.
    for (const failed of campaign.failedAccounts) {
      if (accounts.some((a) => a.accountId === failed.accountId)) continue;
      accounts.push({
        campaignId,
        accountId: failed.accountId,
        accountName: failed.accountId,
        status: 'failed',
        error: failed.error,
        users: [],
      });
    }
    return { generatedAt: now().toISOString(), campaign, accounts: sortAccounts(accounts) };
  }

  private async mergedAccountReport(chain: WorkflowExecutionInfo[]): Promise<AccountRotationReport> {
    const reports = await Promise.all(chain.map((info) => this.accountReport(info)));
    const last = reports.at(-1) as AccountRotationReport;
    if (reports.length === 1) return last;
    const users = new Map<string, AccountRotationReport['users'][number]>();
    for (const report of reports) for (const user of report.users) users.set(user.userName, user);
    const findings = distinctAccountFindings(reports.flatMap((report) => report.findings ?? []));
    return { ...last, users: [...users.values()], ...(findings.length === 0 ? {} : { findings }) };
  }

  /** The payload without unset fields, once the workflow is known to be running. */
  private async approvalBody(
    workflowId: string,
    name: SignalName,
    payload: ApprovalSignal,
  ): Promise<ApprovalSignal> {
    const d = await this.describe(workflowId);
    if (d.executionStatus !== 'RUNNING') {
      throw new UsageError(
        `${workflowId} has already finished (${d.executionStatus.toLowerCase()}): there is nothing left to ${name}`,
      );
    }
    return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)) as ApprovalSignal;
  }

  /** Sends approve/reject/cancel, the same signal a person sends from the Web UI. */
  async signal(workflowId: string, name: SignalName, payload: ApprovalSignal): Promise<void> {
    const body = await this.approvalBody(workflowId, name, payload);
    try {
      await this.client.workflow.getHandle(workflowId).signal(SIGNALS[name], body);
    } catch (error) {
      throw new CliError(`could not send ${name} to ${workflowId}: ${errorText(error)}`);
    }
  }

  /**
   * Sends approve/reject/cancel as an Update: the gate's validator refuses an invalid one at once,
   * with its reason, and records nothing. A run that predates the Updates gets the signal instead.
   */
  async decide(
    workflowId: string,
    name: 'approve' | 'reject' | 'cancel',
    payload: ApprovalSignal,
  ): Promise<UpdateOutcome> {
    const body = await this.approvalBody(workflowId, name, payload);
    const handle = this.client.workflow.getHandle(workflowId);
    try {
      await this.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
        handle.executeUpdate(name, { args: [body] }),
      );
      return { kind: 'recorded' };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const reason = error.cause?.message ?? error.message;
        if (/no registered handler for update/i.test(reason)) {
          await this.signal(workflowId, name, payload);
          return { kind: 'sent-as-signal' };
        }
        return { kind: 'refused', reason };
      }
      if (isDeadlineExceeded(error)) return { kind: 'no-answer' };
      throw new CliError(`could not send ${name} to ${workflowId}: ${errorText(error)}`);
    }
  }

  /** Polls the campaign until `until` holds or the campaign reaches completed/failed. */
  async waitForCampaign(
    campaignId: string,
    until: (status: CampaignStatus) => boolean,
    opts: WaitOptions = {},
  ): Promise<CampaignStatus> {
    const pollMs = opts.pollMs ?? 1_000;
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    let lastError: unknown;
    let failures = 0;
    for (;;) {
      try {
        const status = await this.campaignStatus(campaignId);
        failures = 0;
        opts.onStatus?.(status);
        if (until(status) || isTerminalPhase(status.phase)) return status;
      } catch (error) {
        // A just-started workflow may not answer queries yet; a usage error will not heal by waiting.
        if (error instanceof UsageError) throw error;
        lastError = error;
        if (++failures >= 5) throw error instanceof CliError ? error : new CliError(errorText(error));
      }
      if (Date.now() + pollMs > deadline) {
        throw new CliError(
          `gave up waiting for campaign ${campaignId} after ${Math.round((opts.timeoutMs ?? 0) / 1000)}s` +
            (lastError ? `: ${errorText(lastError)}` : ''),
        );
      }
      await sleep(pollMs);
    }
  }

  private async statusOf<T>(
    handle: WorkflowHandle,
    executionStatus: string,
    query: () => Promise<T>,
    what: string,
    deadlineMs = QUERY_DEADLINE_MS,
  ): Promise<T> {
    if (executionStatus === 'COMPLETED') return (await handle.result()) as T;
    try {
      return await this.connection.withDeadline(Date.now() + deadlineMs, query);
    } catch (error) {
      if (executionStatus !== 'RUNNING') {
        throw new CliError(
          `the ${what} workflow ${handle.workflowId} ended ${executionStatus.toLowerCase()}` +
            (await closedReason(handle)),
        );
      }
      if (isDeadlineExceeded(error)) {
        throw new CliError(
          `the ${what} workflow ${handle.workflowId} did not answer its status query within ` +
            `${Math.round(deadlineMs / 1000)}s: is a keywarden worker polling task queue ${this.target.taskQueue}?`,
        );
      }
      throw new CliError(`could not query ${handle.workflowId}: ${errorText(error)}`);
    }
  }
}

/** What the Web UI shows under the summary: what the campaign does and how to decide on it. */
function campaignStaticDetails(spec: CampaignSpec): string {
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

export type UpdateOutcome =
  | { kind: 'recorded' }
  | { kind: 'sent-as-signal' }
  | { kind: 'refused'; reason: string }
  | { kind: 'no-answer' };

const UPDATE_DEADLINE_MS = 10_000;

async function closedReason(handle: WorkflowHandle): Promise<string> {
  try {
    await handle.result();
    return '';
  } catch (error) {
    return `: ${errorText(error)}`;
  }
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** Connects, runs `fn`, and always closes the connection. */
export async function withCampaignClient<T>(
  target: TemporalTarget,
  fn: (client: CampaignClient) => Promise<T>,
): Promise<T> {
  const client = await CampaignClient.connect(target);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
