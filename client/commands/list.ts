import type { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../cli-error';
import { ListFilterSchema } from '../list/list-filter';
import { listText } from '../list/list-text';
import { listWorkflows } from '../list/list-workflows';
import { withTemporalSession } from '../temporal-connection';
import { resolveTemporalTarget } from '../temporal-target';

const say = (line: string) => console.log(line);

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description(
      'what runs, and what waits for whom: campaigns, offboardings and revocations, from search attributes',
    )
    .option('--awaiting-approval', 'only those waiting at their approval gate, with who may approve')
    .option('--kind <kind>', 'only campaign, offboarding or revocation')
    .option('--all', 'closed runs too, not only running ones')
    .option('--json', 'print {"workflows": [...]} as JSON')
    .action(async (opts: { awaitingApproval?: boolean; kind?: string; all?: boolean; json?: boolean }) => {
      const parsed = ListFilterSchema.safeParse({
        kind: opts.kind,
        awaitingApproval: opts.awaitingApproval ?? false,
        all: opts.all ?? false,
      });
      if (!parsed.success) throw new UsageError(`invalid list options:\n${z.prettifyError(parsed.error)}`);
      const workflows = await withTemporalSession(resolveTemporalTarget(), (session) =>
        listWorkflows(session, parsed.data),
      );
      if (opts.json) say(JSON.stringify({ workflows }, null, 2));
      else for (const line of listText(workflows)) say(line);
    });
}
