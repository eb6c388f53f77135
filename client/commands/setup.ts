import { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { connectionFailureMessage } from '../../connection/connection-failure';
import { clientConnectionOptions } from '../../connection/connection-options';
import { describeTemporalConnection } from '../../connection/temporal-connection';
import { CliError } from '../cli-error';
import { registerSearchAttributes } from '../search-attribute-setup';
import { resolveTemporalTarget } from '../temporal-target';

const say = (line: string) => console.log(line);

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description(
      "register keywarden's search attributes on the Temporal namespace (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE " +
        'or a profile); safe to run again',
    )
    .option('--namespace <name>', 'the namespace to set up, instead of the configured one')
    .action(async (opts: { namespace?: string }) => {
      const configured = resolveTemporalTarget();
      const target = opts.namespace === undefined ? configured : { ...configured, namespace: opts.namespace };
      const connection = await Connection.connect(clientConnectionOptions(target)).catch(
        async (error: unknown) => {
          throw new CliError(await connectionFailureMessage(error, target));
        },
      );
      try {
        const result = await registerSearchAttributes(connection, target.namespace).catch(
          (error: unknown) => {
            if (error instanceof CliError) throw error;
            throw new CliError(
              `could not register search attributes on ${describeTemporalConnection(target)}: ${error instanceof Error ? error.message : String(error)}` +
                ' (the operator API needs a self-hosted server or dev server and permission to change the namespace; on Temporal Cloud, add them in the Cloud UI or with tcld)',
            );
          },
        );
        say(`namespace ${result.namespace} on ${target.address}:`);
        if (result.added.length > 0) say(`  registered: ${result.added.join(', ')}`);
        if (result.alreadyThere.length > 0) say(`  already there: ${result.alreadyThere.join(', ')}`);
        say('keywarden search attributes are ready');
      } finally {
        await connection.close();
      }
    });
}
