import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Command } from 'commander';
import { KeywardenInitiator, KeywardenKind } from '../../domain/search-attributes';
import {
  buildScp,
  ScpAttachRequestSchema,
  scpAttachmentWorkflowId,
  type ScpAttachmentStatus,
  type ScpOptions,
} from '../../domain/scp';
import type { AttachScpWorkflowInput, attachScp } from '../../workflows/attach-scp';
import type { TemporalSession } from '../temporal-connection';
import { withTemporalSession } from '../temporal-connection';
import { CliError, UsageError } from '../cli-error';
import { parseIntegerOption } from '../options';
import { resolveTemporalTarget } from '../temporal-target';

const say = (line: string) => console.log(line);
const collect = (value: string, previous: string[]): string[] => [...previous, value];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long `--attach` waits for the run to check the OU before saying it awaits approval. */
const TARGET_CHECK_MS = 60_000;

interface ScpCommandOptions {
  role?: string;
  breakGlassRole: string[];
  policyName?: string;
  partition?: string;
  attach?: string;
  approver: string[];
  initiator?: string;
  requiredApprovals?: number;
  timeout?: string;
  wait?: boolean;
}

function firstIssue(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue?.message ?? 'invalid'}`;
}

/** The workflow input `--attach` asks for, or a UsageError that says what to fix. Nothing is started. */
export function attachInputFromOptions(
  opts: ScpCommandOptions,
  policy: { options: ScpOptions; text: string },
): AttachScpWorkflowInput {
  if (opts.initiator === undefined) throw new UsageError('--attach needs --initiator <who>: who asks for it');
  const parsed = ScpAttachRequestSchema.safeParse({
    ouId: opts.attach,
    initiator: opts.initiator,
    approval: {
      approvers: opts.approver,
      ...(opts.requiredApprovals === undefined ? {} : { requiredApprovals: opts.requiredApprovals }),
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
    },
  });
  if (!parsed.success) {
    const message = firstIssue(parsed.error)
      .replace(/^ouId: /, '--attach: ')
      .replace(/^approval\.approvers: /, '--approver: ');
    throw new UsageError(message);
  }
  return {
    ouId: parsed.data.ouId,
    policyName: policy.options.policyName,
    policyText: policy.text,
    initiator: parsed.data.initiator,
    approval: parsed.data.approval,
  };
}

async function statusOf(client: TemporalSession, workflowId: string): Promise<ScpAttachmentStatus> {
  return client.client.workflow.getHandle(workflowId).query<ScpAttachmentStatus>('status');
}

/** Waits until the run has checked the OU: a missing OU is an error here, before anyone is asked. */
async function untilTargetChecked(client: TemporalSession, workflowId: string): Promise<ScpAttachmentStatus> {
  const handle = client.client.workflow.getHandle<typeof attachScp>(workflowId);
  const deadline = Date.now() + TARGET_CHECK_MS;
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return handle.result();
    const status = await statusOf(client, workflowId).catch(() => undefined);
    if (status !== undefined && status.phase !== 'checking-target') return status;
    if (Date.now() > deadline) {
      throw new CliError(
        `${workflowId} has not checked the OU within ${TARGET_CHECK_MS / 1000}s: ` +
          `is a keywarden worker polling task queue ${client.target.taskQueue}?`,
      );
    }
    await sleep(500);
  }
}

function outcomeLines(status: ScpAttachmentStatus): string[] {
  switch (status.phase) {
    case 'attached':
      return [
        `attached ${status.policyName} (${status.policyId ?? '?'}) to ${status.ouId}` +
          (status.created === false ? ' (the policy existed already with this document)' : ''),
      ];
    case 'rejected':
    case 'timed-out':
      return [`${status.phase}: nothing was created or attached (${status.approval.decision?.reason ?? ''})`];
    default:
      return [`${status.phase}${status.error === undefined ? '' : `: ${status.error}`}`];
  }
}

async function attach(opts: ScpCommandOptions, input: AttachScpWorkflowInput): Promise<void> {
  await withTemporalSession(resolveTemporalTarget(), async (client) => {
    const workflowId = scpAttachmentWorkflowId(input.ouId);
    try {
      await client.client.workflow.start<typeof attachScp>('attachScp', {
        taskQueue: client.target.taskQueue,
        workflowId,
        args: [input],
        staticSummary: `Attach SCP ${input.policyName} to ${input.ouId} after approval`,
        staticDetails:
          `Requested by ${input.initiator}; ${input.approval.requiredApprovals} approval(s) of ` +
          `${input.approval.approvers.join(', ')}. Signals and Updates: approve, reject. Query: status.`,
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'scp-attachment' },
          { key: KeywardenInitiator, value: input.initiator },
        ],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new UsageError(
          `an attachment to ${input.ouId} is already waiting (${workflowId}): approve or reject it first`,
        );
      }
      throw error;
    }
    const checked = await untilTargetChecked(client, workflowId);
    if (checked.phase === 'failed') {
      throw new CliError(`nothing was attached: ${checked.error ?? 'the run failed'}`);
    }
    say(`${workflowId}: ${checked.approval.plan?.summary ?? 'awaiting approval'}`);
    say(`awaiting approval by ${input.approval.approvers.join(', ')}:`);
    say(`  keywarden approve ${workflowId} --approver <who>   (or reject)`);
    if (!opts.wait) return;
    const result = await client.client.workflow.getHandle<typeof attachScp>(workflowId).result();
    for (const line of outcomeLines(result)) say(line);
    if (result.phase !== 'attached') throw new CliError(outcomeLines(result).join('; '), 1);
  });
}

export function registerScpCommand(program: Command): void {
  program
    .command('scp')
    .description(
      "print the service control policy that lets only keywarden's role (and break-glass roles) create or " +
        'reactivate access keys; --attach puts it on an OU after approval',
    )
    .option(
      '--role <name-or-arn>',
      "keywarden's member role: a name, or a role ARN pattern (default KeywardenMemberRole)",
    )
    .option(
      '--break-glass-role <name-or-arn>',
      'a role that may still create keys (repeat the flag)',
      collect,
      [],
    )
    .option(
      '--policy-name <name>',
      'the SCP name in Organizations (default keywarden-deny-access-key-creation)',
    )
    .option('--partition <name>', 'aws, aws-cn or aws-us-gov (default aws)')
    .option('--attach <ou-id>', 'attach the policy to this OU once approved (e.g. ou-ab12-cd34ef56)')
    .option('--approver <who>', 'with --attach: who may approve (repeat the flag)', collect, [])
    .option('--initiator <who>', 'with --attach: who asks (may not approve)')
    .option(
      '--required-approvals <n>',
      'with --attach: approvals needed (default 1)',
      parseIntegerOption('--required-approvals', 1, 20),
    )
    .option('--timeout <duration>', 'with --attach: how long approval may take, e.g. 7d (default 7d)')
    .option('--wait', 'with --attach: wait for the decision and print the outcome')
    .action(async (opts: ScpCommandOptions) => {
      const built = buildScp({
        ...(opts.role === undefined ? {} : { keywardenRole: opts.role }),
        breakGlassRoles: opts.breakGlassRole,
        ...(opts.policyName === undefined ? {} : { policyName: opts.policyName }),
        ...(opts.partition === undefined ? {} : { partition: opts.partition }),
      } as Parameters<typeof buildScp>[0]);
      if (!built.ok)
        throw new UsageError(
          built.message
            .replace(/^keywardenRole: /, '--role: ')
            .replace(/^breakGlassRoles\.\d+: /, '--break-glass-role: '),
        );
      if (opts.attach === undefined) {
        if (opts.approver.length > 0 || opts.initiator !== undefined || opts.wait) {
          throw new UsageError('--approver, --initiator and --wait go with --attach <ou-id>');
        }
        process.stdout.write(`${built.text}\n`);
        return;
      }
      await attach(opts, attachInputFromOptions(opts, built));
    });
}
