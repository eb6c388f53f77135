import type { RollbackResult } from '../../domain/rollback-request';
import type { RevokeStatus } from '../../domain/revoke-report';
import { revocationJson, revocationMarkdown } from '../report/revocation';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { OffboardingStatus } from '../../domain/offboarding-report';
import { KeywardenCampaignId } from '../../domain/search-attributes';
import { collectReport } from '../campaign-client';
import { collectOffboardingReport, offboardingStatus } from '../offboarding-client';
import type { DescribedWorkflow, TemporalSession } from '../temporal-connection';
import { withTemporalSession } from '../temporal-connection';
import { CliError, UsageError } from '../cli-error';
import { AsffOptionsSchema, renderAsff } from '../report/asff';
import type { CampaignReport } from '../report/campaign-report';
import { renderCsv } from '../report/csv';
import { renderHtml } from '../report/html';
import { renderJson } from '../report/json';
import { renderMarkdown } from '../report/markdown';
import {
  renderOffboardingCsv,
  renderOffboardingJson,
  renderOffboardingMarkdown,
} from '../report/offboarding';
import { resolveTemporalTarget } from '../temporal-target';

export type ReportFormat = 'md' | 'csv' | 'json';
type OutputFormat = ReportFormat | 'html' | 'asff';

export const RENDERERS: Record<ReportFormat, (report: CampaignReport) => string> = {
  md: renderMarkdown,
  csv: renderCsv,
  json: renderJson,
};

export const OFFBOARDING_RENDERERS: Record<ReportFormat, (status: OffboardingStatus) => string> = {
  md: renderOffboardingMarkdown,
  csv: renderOffboardingCsv,
  json: renderOffboardingJson,
};

interface RenderedReport {
  text: string;
  /** What `--output` reports having written. */
  summary: string;
}

/** The campaign a child workflow belongs to: its search attribute, else the first part of its ID. */
export function parentCampaignId(described: Pick<DescribedWorkflow, 'id' | 'description'>): string {
  const tagged = described.description.typedSearchAttributes.get(KeywardenCampaignId);
  return tagged ?? described.id.split('/')[0] ?? described.id;
}

/** The Security Hub region for --format asff: --region, else AWS_REGION / AWS_DEFAULT_REGION. */
export function asffRegion(region: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = AsffOptionsSchema.safeParse({ region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION });
  if (!parsed.success)
    throw new UsageError(`--format asff: ${parsed.error.issues[0]?.message ?? 'bad --region'}`);
  return parsed.data.region;
}

async function buildReport(
  client: TemporalSession,
  id: string,
  format: OutputFormat,
  region: string | undefined,
): Promise<RenderedReport> {
  const described = await client.describe(id);
  if (format === 'asff' && described.kind !== 'campaign') {
    throw new UsageError(
      `--format asff exports the findings of a campaign (a dry run is the inventory); ${id} is not a campaign`,
    );
  }
  switch (described.kind) {
    case 'campaign': {
      const report = await collectReport(client, id);
      const users = report.accounts.reduce((n, a) => n + a.users.length, 0);
      if (format === 'asff') {
        const text = renderAsff(report, { region: asffRegion(region) });
        const count = (JSON.parse(text) as unknown[]).length;
        return { text, summary: `${count} findings in ASFF from ${report.accounts.length} accounts` };
      }
      return {
        text: format === 'html' ? renderHtml(report) : RENDERERS[format](report),
        summary: `${report.accounts.length} accounts, ${users} users`,
      };
    }
    case 'offboarding': {
      if (format === 'asff' || format === 'html') throw new UsageError(`--format ${format} is for campaigns`);
      const status = await collectOffboardingReport(client, id, described);
      return {
        text: OFFBOARDING_RENDERERS[format](status),
        summary:
          `offboarding of ${status.employeeId}, ${status.accountsSearched.length} accounts searched, ` +
          `${status.users.length} users`,
      };
    }
    case 'revocation': {
      // The same status-or-result read as an offboarding's; a revocation's status is a RevokeStatus.
      const status = (await offboardingStatus(client, id, described)) as unknown as RevokeStatus;
      if (format !== 'md' && format !== 'json') {
        throw new UsageError('a revocation report is md or json (--format md|json)');
      }
      return {
        text: format === 'json' ? revocationJson(status) : revocationMarkdown(status),
        summary: `revocation of ${status.accessKeyId}: ${status.phase}`,
      };
    }
    case 'rollback': {
      if (format !== 'json' && format !== 'md')
        throw new UsageError('a rollback report is md or json (--format md|json)');
      const result = (await client.client.workflow.getHandle(id).result()) as RollbackResult;
      return {
        text:
          format === 'json'
            ? `${JSON.stringify(result, null, 2)}\n`
            : `# Rollback of ${result.userName} in ${result.accountId}\n\n` +
              `- requested by ${result.requestedBy}: ${result.reason}\n- ${result.outcome}: ${result.detail}\n`,
        summary: `rollback of ${result.userName} in ${result.accountId}: ${result.outcome}`,
      };
    }
    case 'scp-attachment':
      throw new UsageError(`${id} attaches a service control policy: \`keywarden status ${id}\` shows it`);
    case 'campaign-shard':
    case 'account-rotation':
    case 'key-rotation': {
      const campaignId = parentCampaignId(described);
      throw new UsageError(
        `${id} is one ${described.kind} workflow of campaign ${campaignId}: ` +
          `run \`keywarden report ${campaignId}\` for the campaign report, which includes it`,
      );
    }
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'a campaign (every account, user and key: action, reason, status, findings, key age and last use) ' +
        'or an offboarding (per account and user: what was found, what was done and when, time to containment)',
    )
    .argument('<id>', 'the campaign ID (spec.id) or offboarding workflow ID (offboard-<employeeId>)')
    .addOption(
      new Option(
        '--format <format>',
        'md, csv, json, html (one self-contained file: charts, per-control table, every key), ' +
          'or asff (the findings in the AWS Security Finding Format, for Security Hub)',
      )
        .choices(['md', 'csv', 'json', 'html', 'asff'])
        .default('md'),
    )
    .option('--region <region>', 'with --format asff: the Security Hub region (default: AWS_REGION)')
    .option('--output <file>', 'write the report to this file instead of standard output')
    .action(async (id: string, opts: { format: OutputFormat; region?: string; output?: string }) => {
      // A bad --region is refused before anything is asked of Temporal.
      if (opts.format === 'asff') asffRegion(opts.region);
      const { text, summary } = await withTemporalSession(resolveTemporalTarget(), (client) =>
        buildReport(client, id, opts.format, opts.region),
      );
      if (!opts.output) {
        // A reader that stops early (| head) is not an error.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'EPIPE') process.exit(0);
          throw error;
        });
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(opts.output, text);
      } catch (error) {
        throw new CliError(
          `cannot write ${opts.output}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      console.log(`wrote ${opts.output}: ${summary}`);
    });
}
