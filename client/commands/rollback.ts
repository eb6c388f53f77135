import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { RollbackRequestSchema, rollbackWorkflowId } from '../../domain/rollback-request';
import { KeywardenInitiator, KeywardenKind } from '../../domain/search-attributes';
import type { rollbackStoredKey } from '../../workflows/rollback-stored-key';
import { withTemporalSession } from '../temporal-connection';
import { CliError, UsageError } from '../cli-error';
import { resolveTemporalTarget, workflowUiLink } from '../temporal-target';

interface RollbackOptions {
  reason?: string;
  initiator?: string;
  secret?: string;
  parameter?: string;
  roleName?: string;
  externalId?: string;
  json?: boolean;
}

/** The request the options describe, as raw input for the schema (which owns every default). */
export function rollbackRequestFromOptions(
  accountId: string,
  userName: string,
  opts: RollbackOptions,
): Record<string, unknown> {
  if (opts.secret !== undefined && opts.parameter !== undefined) {
    throw new UsageError('give --secret or --parameter, not both: a rollback moves one destination');
  }
  const raw: Record<string, unknown> = {
    accountId,
    userName,
    reason: opts.reason,
    initiator: opts.initiator ?? userInfo().username,
    access: {
      ...(opts.roleName === undefined ? {} : { roleName: opts.roleName }),
      ...(opts.externalId === undefined ? {} : { externalId: opts.externalId }),
    },
  };
  if (opts.secret !== undefined) raw.location = { kind: 'secret', name: opts.secret };
  if (opts.parameter !== undefined) raw.location = { kind: 'parameter', name: opts.parameter };
  return raw;
}

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description(
      "point a user's stored key back at the previous version, for consumers that cannot use the new key; " +
        'refused when that key is no longer Active or a rotation of the user is running. Deletes nothing',
    )
    .argument('<account-id>', 'the account of the user')
    .argument('<user-name>', 'the IAM user whose stored key goes back one version')
    .requiredOption('--reason <text>', 'why (recorded in the result)')
    .option('--secret <name>', 'the secret to roll back, when the key is stored in more than one place')
    .option('--parameter <name>', 'the parameter to roll back, when the key is stored in more than one place')
    .option('--initiator <who>', 'who rolls back (default: the OS user)')
    .option('--role-name <name>', 'the member role to assume (default OrganizationAccountAccessRole)')
    .option('--external-id <id>', 'the sts:ExternalId the member role requires')
    .option('--json', 'print the result as JSON')
    .action(async (accountId: string, userName: string, opts: RollbackOptions) => {
      const parsed = RollbackRequestSchema.safeParse(rollbackRequestFromOptions(accountId, userName, opts));
      if (!parsed.success) {
        throw new UsageError(`invalid rollback; nothing was started:\n${z.prettifyError(parsed.error)}`);
      }
      const request = parsed.data;
      const target = resolveTemporalTarget();
      const workflowId = rollbackWorkflowId(request.accountId, request.userName);
      const result = await withTemporalSession(target, async ({ client }) => {
        try {
          return await client.workflow.execute<typeof rollbackStoredKey>('rollbackStoredKey', {
            taskQueue: target.taskQueue,
            workflowId,
            args: [request],
            workflowExecutionTimeout: '10 minutes',
            staticSummary: `Rollback of the stored key of ${request.userName} in ${request.accountId}`,
            staticDetails: `Requested by ${request.initiator}: ${request.reason}`,
            typedSearchAttributes: [
              { key: KeywardenKind, value: 'rollback' },
              { key: KeywardenInitiator, value: request.initiator },
            ],
          });
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) {
            throw new CliError(`a rollback of this user is already running: ${workflowId}`);
          }
          throw error;
        }
      });
      const link = workflowUiLink(target, workflowId);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(`${result.outcome}: ${result.detail}`);
        if (link) console.log(`Temporal Web UI: ${link}`);
      }
      if (result.outcome !== 'restored')
        throw new CliError(`rollback refused, nothing changed: ${result.detail}`);
    });
}
