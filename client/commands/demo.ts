import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { CampaignSpec, CampaignSpecInput } from '../../domain/campaign-spec';
import { paths } from '../../sandbox/project-paths';
import { EXEMPTION_GROUP_NAME } from '../../sandbox/seed-constants';
import { sandboxUp } from '../../sandbox/sandbox-lifecycle';
import { collectReport, startCampaign } from '../campaign-client';
import { withTemporalSession } from '../temporal-connection';
import { renderMarkdown } from '../report/markdown';
import { parseSpecText, readSpecFile } from '../spec-file';
import { sandboxTarget } from '../temporal-target';
import {
  approveWhenAsked,
  failIfFailed,
  parsePrincipal,
  printSummary,
  waitForCompletion,
} from './campaign-flow';

const say = (line: string) => console.log(line);

export const DEMO_APPROVERS = ['security-lead@example.com', 'ciso@example.com'];

export function demoCampaignId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `demo-${stamp}`;
}

/** A whole-org campaign with windows of seconds, so the demo finishes while you watch. */
export function demoSpec(id: string, managementAccountId: string): CampaignSpecInput {
  return {
    id,
    name: 'keywarden demo: rotate every key older than 90 days',
    initiator: 'platform-team@example.com',
    // The management account has no member role to assume: campaigns cover the member accounts.
    scope: { allAccounts: true, excludeAccounts: [managementAccountId] },
    policy: { maxKeyAgeDays: 90, exemptions: { groups: [EXEMPTION_GROUP_NAME] } },
    windows: { adoption: '5s', grace: '3s' },
    approval: { approvers: DEMO_APPROVERS, requiredApprovals: 1, timeout: '10m' },
  };
}

/** Writes the demo spec where the user can read (and reuse) it, and parses it like any other. */
function writeDemoSpec(now: Date, managementAccountId: string): { file: string; spec: CampaignSpec } {
  const file = path.join(paths.state, 'demo-campaign.yaml');
  const text = `# Written by keywarden demo. Start another with: keywarden rotate <this file> (after changing id)\n${stringify(demoSpec(demoCampaignId(now), managementAccountId))}`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return { file, spec: parseSpecText(text, file) };
}

interface DemoOptions {
  approve: boolean;
  approveAs: string;
  spec?: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('bring the sandbox up, run a rotation campaign with an approval, and print its report')
    .option('--spec <file>', 'use this campaign spec instead of the generated demo spec')
    .option(
      '--approve-as <who>',
      'the approver the demo acts as',
      parsePrincipal('--approve-as'),
      DEMO_APPROVERS[0],
    )
    .option(
      '--no-approve',
      'do not approve: leave it to a person in the Temporal Web UI (or keywarden approve)',
    )
    .action(async (opts: DemoOptions) => {
      const spec = opts.spec ? readSpecFile(opts.spec) : undefined;
      const state = await sandboxUp({ log: say });
      const target = sandboxTarget(state);
      let campaign: CampaignSpec;
      if (spec) {
        campaign = spec;
      } else {
        const written = writeDemoSpec(new Date(), state.aws.managementAccountId);
        say(`campaign spec: ${path.relative(process.cwd(), written.file) || written.file}`);
        campaign = written.spec;
      }
      await withTemporalSession(target, async (client) => {
        const started = await startCampaign(client, campaign);
        const link = started.link ?? '';
        say('');
        say(`Temporal Web UI: ${state.temporal.uiUrl}`);
        say(`campaign ${started.campaignId}: ${link}`);
        say('An approver acts there: "Send a Signal", name approve (or reject), input');
        say(
          `  {"approver": "${campaign.approval.approvers[0] ?? 'approver@example.com'}", "comment": "looks good"}`,
        );
        say(`or from a shell: keywarden approve ${started.campaignId} --approver <who>`);
        say('');
        const final = opts.approve
          ? await approveWhenAsked(
              client,
              started.campaignId,
              { approver: opts.approveAs, comment: 'approved by keywarden demo' },
              say,
            )
          : await waitForCompletion(client, started.campaignId, say);
        printSummary(final, say, link);
        say('');
        process.stdout.write(renderMarkdown(await collectReport(client, started.campaignId)));
        say('');
        say('Stop the sandbox with: keywarden sandbox down');
        failIfFailed(final);
      });
    });
}
