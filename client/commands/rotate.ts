import type { Command } from 'commander';
import { startCampaign } from '../campaign-client';
import { withTemporalSession } from '../temporal-connection';
import { readSpecFile } from '../spec-file';
import { resolveTemporalTarget } from '../temporal-target';
import { approveWhenAsked, parsePrincipal, reportOutcome, waitForCompletion } from './campaign-flow';

const say = (line: string) => console.log(line);

interface RotateOptions {
  dryRun?: boolean;
  wait?: boolean;
  approveAs?: string;
  comment?: string;
}

export function registerRotateCommand(program: Command): void {
  program
    .command('rotate')
    .description('start a rotation campaign from a spec file (.yaml, .yml or .json)')
    .argument('<spec-file>', 'the campaign spec')
    .option('--dry-run', 'inventory and report only: change nothing (overrides dryRun in the spec)')
    .option('--wait', 'wait for the campaign to finish and print a summary')
    .option(
      '--approve-as <principal>',
      'automation: when the campaign awaits approval, send the approve signal as this approver, then wait',
      parsePrincipal('--approve-as'),
    )
    .option('--comment <text>', 'comment sent with --approve-as', 'approved by keywarden rotate --approve-as')
    .action(async (specFile: string, opts: RotateOptions) => {
      // Validate before connecting: a bad spec starts nothing, whatever state Temporal is in.
      const spec = readSpecFile(specFile);
      const target = resolveTemporalTarget();
      await withTemporalSession(target, async (client) => {
        const started = await startCampaign(client, spec, { dryRun: opts.dryRun });
        say(
          `started campaign ${started.campaignId}${started.dryRun ? ' (dry run: nothing will change)' : ''}`,
        );
        if (started.link) say(`workflow: ${started.link}`);
        if (opts.approveAs) {
          const comment = opts.comment;
          const final = await approveWhenAsked(
            client,
            started.campaignId,
            comment ? { approver: opts.approveAs, comment } : { approver: opts.approveAs },
            say,
          );
          reportOutcome(final, say, started.link);
        } else if (opts.wait) {
          reportOutcome(await waitForCompletion(client, started.campaignId, say), say, started.link);
        } else {
          say(`follow it with: keywarden status ${started.campaignId}`);
        }
      });
    });
}
