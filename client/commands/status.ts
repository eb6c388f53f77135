import type { RevokeStatus } from '../../domain/revoke-report';
import { revocationMarkdown } from '../report/revocation';
import type { Command } from 'commander';
import type { ScpAttachmentStatus } from '../../domain/scp';
import { accountReport, campaignStatus, keyRotationStatus } from '../campaign-client';
import { offboardingStatus } from '../offboarding-client';
import { withTemporalSession } from '../temporal-connection';
import { formatCounts } from '../report/key-facts';
import { campaignStatusText, offboardingStatusText } from '../report/status-text';
import { countStatuses } from '../../domain/rotation-report';
import { resolveTemporalTarget } from '../temporal-target';
import { CliError, UsageError } from '../cli-error';
import { parseIntegerOption } from '../options';
import { PlainProgressView } from '../watch/plain-progress-view';
import { TerminalProgressView } from '../watch/terminal-progress-view';
import { watchWorkflow } from '../watch/watch-workflow';

const say = (line: string) => console.log(line);

async function watchStatus(id: string, pollMs: number): Promise<void> {
  const view = process.stdout.isTTY ? new TerminalProgressView(process.stdout) : new PlainProgressView(say);
  // The bars hide the cursor and turn off line wrapping: Ctrl-C must give the terminal back.
  const interrupted = () => {
    view.stop();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  const last = await withTemporalSession(resolveTemporalTarget(), (session) =>
    watchWorkflow(session, id, view, { pollMs }),
  ).finally(() => process.off('SIGINT', interrupted));
  if (last.executionStatus !== 'COMPLETED') {
    throw new CliError(`${id} ended ${last.executionStatus.toLowerCase()}: keywarden status ${id} shows why`);
  }
}
const printJson = (value: unknown) => say(JSON.stringify(value, null, 2));

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'show a campaign or offboarding: phase, counts, approvals, rejected attempts, decision; --watch follows it',
    )
    .argument('<id>', 'the campaign ID (spec.id) or offboarding workflow ID (offboard-<employeeId>)')
    .option('--json', 'print the status query result as JSON')
    .option(
      '--watch',
      'follow the workflow until it ends: accounts done, users by outcome, the phase and the time in it',
    )
    .option(
      '--interval <seconds>',
      'with --watch: seconds between reads',
      parseIntegerOption('--interval', 1, 3600),
      2,
    )
    .action(async (id: string, opts: { json?: boolean; watch?: boolean; interval: number }) => {
      if (opts.watch) {
        if (opts.json) throw new UsageError('--watch draws progress; leave out --json, or --watch');
        return watchStatus(id, opts.interval * 1000);
      }
      await withTemporalSession(resolveTemporalTarget(), async (client) => {
        const described = await client.describe(id);
        const link = client.link(id);
        switch (described.kind) {
          case 'campaign':
          case 'campaign-shard': {
            const status = await campaignStatus(client, id, described);
            if (opts.json) printJson(status);
            else for (const line of campaignStatusText(status, link)) say(line);
            return;
          }
          case 'account-rotation': {
            const report = await accountReport(client, described.description);
            if (opts.json) return printJson(report);
            say(`account:    ${report.accountId} (${report.accountName}) in campaign ${report.campaignId}`);
            say(`status:     ${report.status}${report.error ? `: ${report.error}` : ''}`);
            say(`users:      ${formatCounts(countStatuses(report.users))}`);
            if (link) say(`workflow:   ${link}`);
            return;
          }
          case 'key-rotation': {
            const report = await keyRotationStatus(client, id, described);
            if (opts.json) return printJson(report);
            say(`key rotation: ${report.userName} in account ${report.accountId}`);
            say(`action:     ${report.action}: ${report.reason}`);
            say(`status:     ${report.status}${report.error ? `: ${report.error}` : ''}`);
            if (link) say(`workflow:   ${link}`);
            return;
          }
          case 'revocation': {
            // The same status-or-result read as an offboarding's; a revocation's status is a RevokeStatus.
            const status = (await offboardingStatus(client, id, described)) as unknown as RevokeStatus;
            if (opts.json) return printJson(status);
            say(revocationMarkdown(status));
            if (link) say(`workflow: ${link}`);
            return;
          }
          case 'scp-attachment': {
            // Read through the same `status` query an offboarding answers; it does not check the kind.
            const status = (await offboardingStatus(client, id, described)) as unknown as ScpAttachmentStatus;
            if (opts.json) return printJson(status);
            say(
              `scp attachment: ${status.policyName} to ${status.ouId}${status.ouName ? ` (${status.ouName})` : ''}`,
            );
            say(`phase:      ${status.phase}${status.error ? `: ${status.error}` : ''}`);
            say(
              `decision:   ${status.approval.decision ? `${status.approval.decision.outcome}: ${status.approval.decision.reason}` : 'pending'}`,
            );
            if (link) say(`workflow:   ${link}`);
            return;
          }
          case 'offboarding': {
            const status = await offboardingStatus(client, id, described);
            if (opts.json) printJson(status);
            else for (const line of offboardingStatusText(id, status, link)) say(line);
            return;
          }
        }
      });
    });
}
