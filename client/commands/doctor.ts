import type { Command } from 'commander';
import { diagnoseKey } from '../../domain/key-diagnosis';
import { withTemporalSession } from '../temporal-connection';
import { UsageError } from '../cli-error';
import { resolveTemporalTarget } from '../temporal-target';
import { keywardenTouches } from '../troubleshoot/keywarden-touches';
import {
  addLookupOptions,
  keyRequest,
  userRequest,
  type LookupOptions,
} from '../troubleshoot/lookup-options';
import { doctorLines, type DoctorReport } from '../troubleshoot/render-troubleshoot';
import { runKeyLookup } from '../troubleshoot/run-key-lookup';

interface DoctorOptions extends LookupOptions {
  account?: string;
  user?: string;
}

export function registerDoctorCommand(program: Command): void {
  addLookupOptions(
    program
      .command('doctor')
      .description('why an access key does not work: one cause a line, each with its fix. Reads only')
      .argument('[access-key-id]', 'an IAM user access key ID (AKIA…)')
      .option('--user <name>', 'instead of a key: the IAM user (with --account)'),
  ).action(async (accessKeyId: string | undefined, opts: DoctorOptions) => {
    if (accessKeyId !== undefined && opts.user !== undefined) {
      throw new UsageError('give either an access key ID or --account and --user, not both');
    }
    if (accessKeyId === undefined && (opts.account === undefined || opts.user === undefined)) {
      throw new UsageError('give an access key ID, or both --account <id> and --user <name>');
    }
    const request =
      accessKeyId !== undefined
        ? keyRequest(accessKeyId, opts)
        : userRequest(opts.account ?? '', opts.user ?? '', opts);
    const report = await withTemporalSession(
      resolveTemporalTarget(),
      async (client): Promise<DoctorReport> => {
        const lookup = await runKeyLookup(client, request);
        const touches =
          lookup.userName !== undefined && lookup.containmentPolicies.length > 0
            ? await keywardenTouches(client, lookup.account.accountId, lookup.userName)
            : { containedBy: [] };
        const subject: DoctorReport['subject'] = { accountId: lookup.account.accountId };
        if (lookup.accessKeyId !== undefined) subject.accessKeyId = lookup.accessKeyId;
        if (lookup.userName !== undefined) subject.userName = lookup.userName;
        return { subject, causes: diagnoseKey({ lookup, containedBy: touches.containedBy }) };
      },
    );
    if (opts.json) console.log(JSON.stringify(report, null, 2));
    else for (const line of doctorLines(report)) console.log(line);
  });
}
