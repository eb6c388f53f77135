import { Command, CommanderError } from 'commander';
import { SetupError } from '../sandbox/setup-error';
import { CliError } from './cli-error';
import { registerDemoCommand } from './commands/demo';
import { registerSandboxCommands } from './commands/sandbox';

export function buildProgram(): Command {
  const program = new Command('keywarden')
    .description('IAM access keys of a whole AWS Organization: rotation campaigns, offboarding, inventory')
    .showHelpAfterError()
    .exitOverride();
  registerSandboxCommands(program);
  registerDemoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      console.error(`keywarden: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof SetupError) {
      console.error(`keywarden: ${error.message}`);
      return 1;
    }
    console.error(`keywarden: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
