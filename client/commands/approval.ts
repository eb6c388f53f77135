import type { Command } from 'commander';
import type { SignalName } from '../campaign-client';
import { withCampaignClient } from '../campaign-client';
import { resolveTemporalTarget } from '../temporal-target';
import { abortCampaign, parsePrincipal, sendApprovalSignal } from './campaign-flow';

const say = (line: string) => console.log(line);

const DESCRIPTIONS: Record<SignalName, string> = {
  approve: 'approve the deletions of a campaign (or the purge of an offboarding)',
  reject: 'reject: old keys are reactivated (campaign) or users restored (offboarding)',
  cancel: 'cancel an offboarding (HR): every user is restored exactly as recorded',
  abort:
    'abort a campaign: nothing new starts, every saga before its point of no return is rolled back, nothing is deleted',
};

/** approve, reject and cancel: the same signals an approver sends from the Temporal Web UI. */
export function registerApprovalCommands(program: Command): void {
  for (const signal of ['approve', 'reject', 'cancel', 'abort'] as const) {
    program
      .command(signal)
      .description(DESCRIPTIONS[signal])
      .argument('<id>', signal === 'abort' ? 'the campaign ID' : 'the campaign ID or offboarding workflow ID')
      .requiredOption(
        '--approver <who>',
        signal === 'abort'
          ? 'who you are: the initiator or one of approval.approvers'
          : 'who you are, as listed in approval.approvers',
        parsePrincipal('--approver'),
      )
      .option('--comment <text>', 'why; recorded with the decision')
      .action(async (id: string, opts: { approver: string; comment?: string }) => {
        const from =
          opts.comment === undefined
            ? { approver: opts.approver }
            : { approver: opts.approver, comment: opts.comment };
        await withCampaignClient(resolveTemporalTarget(), (client) =>
          signal === 'abort'
            ? abortCampaign(client, id, from, say)
            : sendApprovalSignal(client, id, signal, from, say),
        );
      });
  }
}
