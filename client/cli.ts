import { Command, CommanderError } from 'commander';
import { SetupError } from '../sandbox/setup-error';
import { CliError } from './cli-error';
import { registerApprovalCommands } from './commands/approval';
import { registerDemoCommand } from './commands/demo';
import { registerIamPolicyCommand } from './commands/iam-policy';
import { registerMonitorCommand } from './commands/monitor';
import { registerOffboardCommand } from './commands/offboard';
import { registerReportCommand } from './commands/report';
import { registerRevokeCommand } from './commands/revoke';
import { registerRollbackCommand } from './commands/rollback';
import { registerRotateCommand } from './commands/rotate';
import { registerSandboxCommands } from './commands/sandbox';
import { registerScheduleCommands } from './commands/schedule';
import { registerScpCommand } from './commands/scp';
import { registerStatusCommand } from './commands/status';
import { registerWebhookCommand } from './commands/webhook';
import { registerWhoisCommand } from './commands/whois';
import { registerDoctorCommand } from './commands/doctor';
import { registerSetupCommand } from './commands/setup';
import { registerWorkerCommand } from './commands/worker';
import { registerListCommand } from './commands/list';

export function buildProgram(): Command {
  const program = new Command('keywarden')
    .description('IAM access keys of a whole AWS Organization: rotation campaigns, offboarding, inventory')
    .showHelpAfterError()
    .exitOverride();
  registerSandboxCommands(program);
  registerRotateCommand(program);
  registerStatusCommand(program);
  registerApprovalCommands(program);
  registerReportCommand(program);
  registerOffboardCommand(program);
  registerWebhookCommand(program);
  registerDemoCommand(program);
  registerIamPolicyCommand(program);
  registerRevokeCommand(program);
  registerRollbackCommand(program);
  registerWhoisCommand(program);
  registerDoctorCommand(program);
  registerMonitorCommand(program);
  registerScpCommand(program);
  registerSetupCommand(program);
  registerWorkerCommand(program);
  registerScheduleCommands(program);
  registerListCommand(program);
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
