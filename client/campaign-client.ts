import type { WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { CampaignSpec } from '../domain/campaign-spec';
import { distinctAccountFindings } from '../domain/findings';
import type {
  AccountRotationReport,
  CampaignPhase,
  CampaignStatus,
  UserRotationReport,
} from '../domain/rotation-report';
import { KeywardenAccountId, KeywardenCampaignId, KeywardenKind } from '../domain/search-attributes';
import { accountStatusQuery, campaignStatusQuery, keyStatusQuery } from '../workflows/messages';
import type { rotationCampaign } from '../workflows';
import { campaignStartOptions } from './campaign-start-options';
import { CliError, UsageError } from './cli-error';
import type { CampaignReport } from './report/campaign-report';
import { sortAccounts } from './report/campaign-report';
import { missingSearchAttributesMessage } from './search-attribute-setup';
import type { DescribedWorkflow, TemporalSession } from './temporal-connection';
import { QUERY_DEADLINE_MS } from './temporal-connection';
import { errorText } from './temporal-errors';
import { withArticle } from './workflow-kind';

// Started by name with the workflow's type for its arguments: the client never loads workflow code.
type RotationCampaignWorkflow = typeof rotationCampaign;

const TERMINAL_PHASES: readonly CampaignPhase[] = ['completed', 'aborted', 'failed'];
const REPORT_CONCURRENCY = 8;

export interface StartedCampaign {
  campaignId: string;
  runId: string;
  dryRun: boolean;
  link?: string;
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a campaign whose workflow ID is its spec.id; `dryRun` forces an inventory-only run. */
export async function startCampaign(
  session: TemporalSession,
  spec: CampaignSpec,
  opts: { dryRun?: boolean } = {},
): Promise<StartedCampaign> {
  const { workflowType, ...options } = campaignStartOptions(spec, session.target.taskQueue, opts);
  try {
    const handle = await session.client.workflow.start<RotationCampaignWorkflow>(workflowType, {
      ...options,
      workflowId: spec.id,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return {
      campaignId: spec.id,
      runId: handle.firstExecutionRunId,
      dryRun: options.args[0].spec.dryRun,
      link: session.link(spec.id),
    };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new UsageError(`a campaign with ID ${spec.id} already exists: choose another spec.id`);
    }
    const notSetUp = missingSearchAttributesMessage(error, session.target.namespace);
    if (notSetUp !== undefined) throw new CliError(`could not start campaign ${spec.id}: ${notSetUp}`);
    throw new CliError(`could not start campaign ${spec.id}: ${errorText(error)}`);
  }
}

/** The campaign's status: its query while it runs, its result once it has completed. */
export async function campaignStatus(
  session: TemporalSession,
  campaignId: string,
  described?: DescribedWorkflow,
  queryDeadlineMs = QUERY_DEADLINE_MS,
): Promise<CampaignStatus> {
  const d = described ?? (await session.describe(campaignId));
  if (d.kind !== 'campaign' && d.kind !== 'campaign-shard') {
    throw new UsageError(`${campaignId} is ${withArticle(d.kind)} workflow, not a campaign`);
  }
  const handle = session.client.workflow.getHandle<RotationCampaignWorkflow>(campaignId);
  const query = () => handle.query(campaignStatusQuery);
  return session.readStatus(handle, d.executionStatus, query, 'campaign', queryDeadlineMs);
}

/** One key-rotation workflow's report: its query while it runs, its result once it has completed. */
export async function keyRotationStatus(
  session: TemporalSession,
  workflowId: string,
  described?: DescribedWorkflow,
): Promise<UserRotationReport> {
  const d = described ?? (await session.describe(workflowId));
  const handle =
    session.client.workflow.getHandle<(input: unknown) => Promise<UserRotationReport>>(workflowId);
  return session.readStatus(handle, d.executionStatus, () => handle.query(keyStatusQuery), 'key rotation');
}

export async function accountReport(
  session: TemporalSession,
  info: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'typedSearchAttributes'>,
): Promise<AccountRotationReport> {
  const handle = session.client.workflow.getHandle<(input: unknown) => Promise<AccountRotationReport>>(
    info.workflowId,
    info.runId,
  );
  try {
    return await session.readStatus(
      handle,
      info.status.name,
      () => handle.query(accountStatusQuery),
      'account',
    );
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
export async function collectReport(
  session: TemporalSession,
  campaignId: string,
  now: () => Date = () => new Date(),
): Promise<CampaignReport> {
  const campaign = await campaignStatus(session, campaignId);
  const runs = new Map<string, WorkflowExecutionInfo[]>();
  const query = `${KeywardenCampaignId.name} = "${campaignId}" AND ${KeywardenKind.name} = "account-rotation"`;
  for await (const info of session.client.workflow.list({ query })) {
    runs.set(info.workflowId, [...(runs.get(info.workflowId) ?? []), info]);
  }
  const chains = [...runs.values()].map((chain) =>
    chain.sort((a, b) => a.startTime.getTime() - b.startTime.getTime()),
  );
  const accounts: AccountRotationReport[] = [];
  for (let i = 0; i < chains.length; i += REPORT_CONCURRENCY) {
    const batch = chains.slice(i, i + REPORT_CONCURRENCY);
    accounts.push(...(await Promise.all(batch.map((chain) => mergedAccountReport(session, chain)))));
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

async function mergedAccountReport(
  session: TemporalSession,
  chain: WorkflowExecutionInfo[],
): Promise<AccountRotationReport> {
  const reports = await Promise.all(chain.map((info) => accountReport(session, info)));
  const last = reports.at(-1) as AccountRotationReport;
  if (reports.length === 1) return last;
  const users = new Map<string, AccountRotationReport['users'][number]>();
  for (const report of reports) for (const user of report.users) users.set(user.userName, user);
  const findings = distinctAccountFindings(reports.flatMap((report) => report.findings ?? []));
  return { ...last, users: [...users.values()], ...(findings.length === 0 ? {} : { findings }) };
}

/** Polls the campaign until `until` holds or the campaign reaches completed/failed. */
/** How long a wait goes on while the campaign's status query keeps failing (workers restarting). */
const QUERY_OUTAGE_MS = 2 * 60_000;

export async function waitForCampaign(
  session: TemporalSession,
  campaignId: string,
  until: (status: CampaignStatus) => boolean,
  opts: WaitOptions = {},
): Promise<CampaignStatus> {
  const pollMs = opts.pollMs ?? 1_000;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let lastError: unknown;
  let failingSince: number | undefined;
  for (;;) {
    try {
      const status = await campaignStatus(session, campaignId);
      failingSince = undefined;
      opts.onStatus?.(status);
      if (until(status) || isTerminalPhase(status.phase)) return status;
    } catch (error) {
      // A just-started workflow may not answer queries yet, nor one whose worker died until another
      // takes it over; a usage error will not heal by waiting.
      if (error instanceof UsageError) throw error;
      lastError = error;
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= QUERY_OUTAGE_MS) {
        throw error instanceof CliError ? error : new CliError(errorText(error));
      }
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
