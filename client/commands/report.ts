import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { withCampaignClient } from '../campaign-client';
import { CliError } from '../cli-error';
import type { CampaignReport } from '../report/campaign-report';
import { renderCsv } from '../report/csv';
import { renderJson } from '../report/json';
import { renderMarkdown } from '../report/markdown';
import { resolveTemporalTarget } from '../temporal-target';

export type ReportFormat = 'md' | 'csv' | 'json';

export const RENDERERS: Record<ReportFormat, (report: CampaignReport) => string> = {
  md: renderMarkdown,
  csv: renderCsv,
  json: renderJson,
};

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'every account, user and key of a campaign: action, reason, status, findings, key age and last use',
    )
    .argument('<id>', 'the campaign ID')
    .addOption(
      new Option('--format <format>', 'md, csv or json').choices(['md', 'csv', 'json']).default('md'),
    )
    .option('--output <file>', 'write the report to this file instead of standard output')
    .action(async (id: string, opts: { format: ReportFormat; output?: string }) => {
      const report = await withCampaignClient(resolveTemporalTarget(), (client) => client.collectReport(id));
      const text = RENDERERS[opts.format](report);
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
      console.log(
        `wrote ${opts.output}: ${report.accounts.length} accounts, ` +
          `${report.accounts.reduce((n, a) => n + a.users.length, 0)} users`,
      );
    });
}
