import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { connectionFailureMessage } from '../../connection/connection-failure';
import { clientConnectionOptions } from '../../connection/connection-options';
import { MONITOR_WORKFLOW_ID, parseMonitorInput } from '../../domain/monitor-input';
import { CliError, UsageError } from '../cli-error';
import { queryMonitorStatus, startMonitor } from '../monitor-client';
import { monitorStatusText } from '../report/monitor-text';
import { resolveTemporalTarget, workflowUiLink, type TemporalTarget } from '../temporal-target';

const say = (line: string) => console.log(line);
const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface MonitorOptions {
  queueUrl?: string;
  status?: boolean;
  json?: boolean;
  roleName: string[];
}

async function withClient<T>(target: TemporalTarget, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect(clientConnectionOptions(target)).catch(
    async (error: unknown) => {
      throw new CliError(await connectionFailureMessage(error, target));
    },
  );
  try {
    return await fn(new Client({ connection, namespace: target.namespace }));
  } finally {
    await connection.close();
  }
}

async function printStatus(target: TemporalTarget, json: boolean): Promise<void> {
  await withClient(target, async (client) => {
    const status = await queryMonitorStatus(client);
    if (status === undefined) {
      throw new CliError(
        `no monitor is running (${MONITOR_WORKFLOW_ID}): start one with keywarden monitor --queue-url <url>`,
      );
    }
    if (json) say(JSON.stringify(status, null, 2));
    else
      for (const line of monitorStatusText(
        MONITOR_WORKFLOW_ID,
        status,
        workflowUiLink(target, MONITOR_WORKFLOW_ID),
      ))
        say(line);
  });
}

export function registerMonitorCommand(program: Command): void {
  program
    .command('monitor')
    .description(
      'watch CloudTrail access-key events from an SQS queue for keys changed outside keywarden (starts or finds the keywarden-monitor workflow)',
    )
    .option(
      '--queue-url <url>',
      'the SQS queue the EventBridge rule delivers to (keywarden iam-policy --monitor)',
    )
    .option('--status', "print the running monitor's counters and latest findings")
    .option('--json', 'with --status: the status query result as JSON')
    .option(
      '--role-name <name>',
      "a member role keywarden assumes (repeatable; default OrganizationAccountAccessRole and KeywardenMemberRole): its keywarden-… sessions are keywarden's own calls",
      collect,
      [],
    )
    .action(async (opts: MonitorOptions) => {
      if ((opts.queueUrl === undefined) === (opts.status !== true)) {
        throw new UsageError('give either --queue-url <url> (start the monitor) or --status (show it)');
      }
      if (opts.status === true) return printStatus(resolveTemporalTarget(), opts.json === true);
      const parsed = parseMonitorInput({
        queueUrl: opts.queueUrl,
        ...(opts.roleName.length > 0 ? { keywardenRoleNames: opts.roleName } : {}),
      });
      if (!parsed.ok) {
        throw new UsageError(
          `invalid monitor settings (queueUrl is --queue-url, keywardenRoleNames is --role-name):\n${parsed.message}`,
        );
      }
      const target = resolveTemporalTarget();
      await withClient(target, async (client) => {
        const started = await startMonitor(client, { taskQueue: target.taskQueue, input: parsed.input });
        if (started.alreadyRunning === undefined) {
          say(`monitor started: ${started.workflowId} (run ${started.runId}) reading ${started.queueArn}`);
        } else if (started.alreadyRunning.queueUrl === parsed.input.queueUrl) {
          say(`already running, nothing new started: ${started.workflowId} (run ${started.runId})`);
        } else {
          throw new CliError(
            `a monitor is already running (${started.workflowId}) and reads another queue, ${started.alreadyRunning.queueUrl}: ` +
              'nothing was changed; terminate it first to read a different queue',
          );
        }
        const link = workflowUiLink(target, started.workflowId);
        if (link) say(`Temporal Web UI: ${link}`);
        say('findings: keywarden monitor --status');
      });
    });
}
