import type { Command } from 'commander';
import { sandboxUp } from '../../sandbox/sandbox-lifecycle';

const say = (line: string) => console.log(line);

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('bring the sandbox up and show where its Temporal Web UI is')
    .action(async () => {
      const state = await sandboxUp({ log: say });
      say('');
      say(`Temporal Web UI: ${state.temporal.uiUrl}`);
      say(`The emulated organization has ${state.org.accounts.length} member accounts.`);
      say('Stop the sandbox with: npx keywarden sandbox down');
    });
}
