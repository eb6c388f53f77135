import { InvalidArgumentError, type Command } from 'commander';
import { isAlive } from '../../sandbox/processes';
import { readSandboxState } from '../../sandbox/sandbox-state';
import { sandboxDown, sandboxUp } from '../../sandbox/sandbox-lifecycle';
import { z } from 'zod';
import { parseIntegerOption } from '../options';

const say = (line: string) => console.log(line);

export function registerSandboxCommands(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description(
      'the local stack: Temporal dev server with its Web UI, an emulated AWS Organization, a worker',
    );

  sandbox
    .command('up')
    .description('start the sandbox in the background, seed the org, start a worker')
    .option(
      '--accounts <n>',
      'member accounts to create (1-200)',
      parseIntegerOption('--accounts', 1, 200),
      5,
    )
    .option('--seed <n>', 'seed of the generated org', parseIntegerOption('--seed', 0, 2 ** 31), 1)
    .option(
      '--no-seed',
      'attach mode: work on the org already at --aws-endpoint, with the AWS credentials of this shell',
    )
    .option(
      '--aws-endpoint <url>',
      'attach to this AWS endpoint (an emulator already running) instead of starting one; the sandbox never stops it',
      parseEndpoint,
    )
    .option(
      '--temporal-port <port>',
      'Temporal frontend port (default: a free one)',
      parseIntegerOption('--temporal-port', 1, 65535),
    )
    .option(
      '--ui-port <port>',
      'Temporal Web UI port (default: a free one)',
      parseIntegerOption('--ui-port', 1, 65535),
    )
    .option(
      '--aws-port <port>',
      'AWS emulator port (default: a free one)',
      parseIntegerOption('--aws-port', 1, 65535),
    )
    .action(
      async (opts: {
        accounts: number;
        seed: number | false;
        awsEndpoint?: string;
        temporalPort?: number;
        uiPort?: number;
        awsPort?: number;
      }) => {
        const state = await sandboxUp({
          memberAccounts: opts.accounts,
          seed: opts.seed === false ? undefined : opts.seed,
          seedOrg: opts.seed !== false,
          awsEndpoint: opts.awsEndpoint,
          temporalPort: opts.temporalPort,
          temporalUiPort: opts.uiPort,
          awsPort: opts.awsPort,
          log: say,
        });
        say(`Temporal Web UI: ${state.temporal.uiUrl}`);
        say(`Temporal:        ${state.temporal.address} (namespace ${state.temporal.namespace})`);
        say(
          `AWS emulator:    ${state.aws.endpoint} (${state.org.accounts.length} member accounts${state.aws.attached ? ', attached: not started or stopped by the sandbox' : ''})`,
        );
        say('stop it with: keywarden sandbox down');
      },
    );

  sandbox
    .command('down')
    .description('stop everything the sandbox started')
    .action(async () => {
      await sandboxDown(say);
      say('the sandbox is stopped');
    });

  sandbox
    .command('status')
    .description('show whether the sandbox is running, and where')
    .action(() => {
      const state = readSandboxState();
      if (!state) {
        say('the sandbox is not running (start it with: keywarden sandbox up)');
        return;
      }
      for (const p of state.processes)
        say(`${p.name.padEnd(8)} pid ${p.pid} ${isAlive(p.pid) ? 'running' : 'NOT RUNNING'}`);
      say(`Temporal Web UI: ${state.temporal.uiUrl}`);
      say(`AWS emulator:    ${state.aws.endpoint}`);
      for (const account of state.org.accounts)
        say(`account ${account.accountId} ${account.name} (OU ${account.ouName})`);
    });
}

/** An http(s) URL with nothing after the host and port but an optional slash. */
function parseEndpoint(value: string): string {
  const parsed = z
    .url({ protocol: /^https?$/ })
    .refine((url) => /^https?:\/\/[^/?#]+\/?$/.test(url), 'no path, query or fragment')
    .safeParse(value.trim());
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `--aws-endpoint must be the emulator's base URL, like http://127.0.0.1:5000 (got "${value}": ${z.prettifyError(parsed.error)})`,
    );
  }
  return parsed.data.replace(/\/$/, '');
}
