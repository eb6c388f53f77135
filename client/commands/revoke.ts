import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { parseRevokeRequest } from '../../domain/revoke-request';
import type { RevokeStatus } from '../../domain/revoke-report';
import { withTemporalSession } from '../temporal-connection';
import { CliError, UsageError } from '../cli-error';
import { parseIntegerOption } from '../options';
import { addNotifyOptions, notificationsFromOptions, type NotifyOptions } from '../notify-options';
import { revocationJson, revocationMarkdown } from '../report/revocation';
import { isFinalRevokePhase, revocationStatus, startRevocation } from '../revocation-client';
import { resolveTemporalTarget, workflowUiLink } from '../temporal-target';

const say = (line: string) => console.log(line);
const collect = (value: string, previous: string[]): string[] => [...previous, value];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface RevokeOptions extends NotifyOptions {
  reason?: string;
  replace?: boolean;
  approver: string[];
  initiator?: string;
  requiredApprovals?: number;
  timeout?: string;
  roleName?: string;
  externalId?: string;
  secretNameTemplate?: string;
  wait?: boolean;
  json?: boolean;
}

/** The request the options describe, as raw input for the schema (which owns every default). */
export function revokeRequestFromOptions(accessKeyId: string, opts: RevokeOptions): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    accessKeyId,
    reason: opts.reason,
    initiator: opts.initiator ?? userInfo().username,
    replace: opts.replace === true,
    access: {
      ...(opts.roleName === undefined ? {} : { roleName: opts.roleName }),
      ...(opts.externalId === undefined ? {} : { externalId: opts.externalId }),
    },
  };
  if (opts.secretNameTemplate !== undefined) raw.secretNameTemplate = opts.secretNameTemplate;
  if (opts.approver.length > 0) {
    raw.approval = {
      approvers: opts.approver,
      ...(opts.requiredApprovals === undefined ? {} : { requiredApprovals: opts.requiredApprovals }),
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
    };
  }
  const notifications = notificationsFromOptions(opts);
  if (notifications !== undefined) raw.notifications = notifications;
  return raw;
}

/** Contained and replaced (or the run ended): what `revoke` waits for unless told to wait for the end. */
const contained = (s: RevokeStatus): boolean =>
  isFinalRevokePhase(s) || !['locating', 'containing', 'replacing'].includes(s.phase);

export function registerRevokeCommand(program: Command): void {
  addNotifyOptions(program.command('revoke'))
    .description(
      'revoke a leaked access key: deactivate it and deny its sessions now, delete it after approval',
    )
    .argument('<access-key-id>', 'the leaked key (AKIA…); the workflow is revoke-<access-key-id>')
    .requiredOption('--reason <text>', 'why the key is revoked (recorded in the report)')
    .option('--replace', 'create, store and verify a replacement key, as a rotation does')
    .option(
      '--approver <who>',
      'who may approve deleting the key (repeatable); none: the key is left inactive',
      collect,
      [],
    )
    .option('--initiator <who>', 'who revokes (may not approve the deletion; default: the OS user)')
    .option(
      '--required-approvals <n>',
      'approvals needed to delete',
      parseIntegerOption('--required-approvals', 1, 100),
    )
    .option(
      '--timeout <duration>',
      'approval timeout, e.g. 24h (default 24h); on timeout the key stays inactive',
    )
    .option('--role-name <name>', 'the member role to assume (default OrganizationAccountAccessRole)')
    .option('--external-id <id>', 'the sts:ExternalId the member role requires')
    .option(
      '--secret-name-template <template>',
      'where --replace stores the new key (default keywarden/{userName})',
    )
    .option(
      '--wait',
      'wait until the revocation ends (after the decision), not only until the key is contained (and replaced)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (accessKeyId: string, opts: RevokeOptions) => {
      const parsed = parseRevokeRequest(revokeRequestFromOptions(accessKeyId, opts));
      if (!parsed.ok) {
        throw new UsageError(
          `invalid revocation (approval.approvers is --approver, access.roleName is --role-name); nothing was started:\n${parsed.message}`,
        );
      }
      const target = resolveTemporalTarget();
      await withTemporalSession(target, async ({ client }) => {
        const started = await startRevocation(client, {
          taskQueue: target.taskQueue,
          request: parsed.request,
          requestedAt: new Date().toISOString(),
        });
        const progress = (line: string) => (opts.json ? console.error(line) : say(line));
        progress(
          started.duplicate
            ? `already running, nothing new started: ${started.workflowId} (run ${started.runId})`
            : `revocation started: ${started.workflowId} (run ${started.runId})`,
        );
        const link = workflowUiLink(target, started.workflowId);
        if (link) progress(`Temporal Web UI: ${link}`);
        let shown = 0;
        let status: RevokeStatus;
        for (;;) {
          status = await revocationStatus(client, started.workflowId);
          for (const t of status.timeline.slice(shown)) progress(`  ${t.at} ${t.event}`);
          shown = status.timeline.length;
          if (isFinalRevokePhase(status) || (!opts.wait && contained(status))) break;
          await sleep(500);
        }
        if (opts.json) process.stdout.write(revocationJson(status));
        else say(`\n${revocationMarkdown(status)}`);
        if (!isFinalRevokePhase(status)) {
          say(
            `approve or reject the deletion: keywarden approve|reject ${started.workflowId} --approver <who>`,
          );
        }
        if (['not-found', 'outside-organization', 'failed', 'needs-attention'].includes(status.phase)) {
          throw new CliError(`${status.phase}: ${status.summary}`);
        }
      });
    });
}
