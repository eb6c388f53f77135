import type { Command } from 'commander';
import { withTemporalSession } from '../temporal-connection';
import { UsageError } from '../cli-error';
import { resolveTemporalTarget } from '../temporal-target';
import { keywardenTouches } from '../troubleshoot/keywarden-touches';
import { addLookupOptions, keyRequest, type LookupOptions } from '../troubleshoot/lookup-options';
import { whoisLines, whoisReport } from '../troubleshoot/render-troubleshoot';
import { runKeyLookup } from '../troubleshoot/run-key-lookup';

export function registerWhoisCommand(program: Command): void {
  addLookupOptions(
    program
      .command('whois')
      .description(
        "an access key's account (ID, name, OU path), user, status, age, last use, where keywarden stored it " +
          'and which keywarden workflow last touched it. Reads only',
      )
      .argument('<access-key-id>', 'an IAM user access key ID (AKIA…)'),
  ).action(async (accessKeyId: string, opts: LookupOptions & { account?: string }) => {
    const request = keyRequest(accessKeyId, opts);
    const report = await withTemporalSession(resolveTemporalTarget(), async (client) => {
      const lookup = await runKeyLookup(client, request);
      if (lookup.key === undefined || lookup.userName === undefined) {
        throw new UsageError(
          `no access key ${lookup.accessKeyId ?? accessKeyId.trim()} in account ` +
            `${lookup.account.accountId}, the account AWS names for it: it was deleted, or never existed ` +
            '(keywarden doctor says what to use instead)',
        );
      }
      return whoisReport(
        lookup,
        await keywardenTouches(client, lookup.account.accountId, lookup.userName, [
          lookup.key.accessKeyId,
          ...lookup.userKeys.map((k) => k.accessKeyId),
        ]),
        new Date(),
      );
    });
    if (opts.json) console.log(JSON.stringify(report, null, 2));
    else for (const line of whoisLines(report)) console.log(line);
  });
}
