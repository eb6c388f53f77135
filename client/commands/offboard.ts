import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import type { OffboardingStatus } from '../../domain/offboarding-report';
import {
  ACCOUNTS_IN_FLIGHT_DEFAULT,
  ACCOUNTS_IN_FLIGHT_MAX,
  parseOffboardingRequest,
  SkipAccountSignalSchema,
  USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT,
  USERS_IN_FLIGHT_PER_ACCOUNT_MAX,
} from '../../domain/offboarding-request';
import { connectionFailureMessage } from '../../connection/connection-failure';
import { clientConnectionOptions } from '../../connection/connection-options';
import { CliError, UsageError } from '../cli-error';
import { parseIntegerOption } from '../options';
import { addNotifyOptions, notificationsFromOptions, type NotifyOptions } from '../notify-options';
import { resolveTemporalTarget, workflowUiLink } from '../temporal-target';
import { startOffboarding } from '../offboarding-client';
import { containmentLine, waitForOffboarding, WaitTargetSchema } from '../offboarding-wait';
import { durationSchema, durationToMs } from '../../domain/duration';
import { skipDigest } from '../../domain/offboarding-skip';
import { readKeyFile, signedPayload, validityMs } from '../approval-keys';
import { missingSearchAttributesMessage } from '../search-attribute-setup';

const say = (line: string) => console.log(line);
const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface OffboardOptions extends NotifyOptions {
  employee: string;
  email: string[];
  user: string[];
  tagKey?: string;
  initiator: string;
  approver: string[];
  requiredApprovals?: number;
  purgeMode?: string;
  timeout?: string;
  onTimeout?: string;
  reason?: string;
  includeAccount: string[];
  excludeAccount: string[];
  accountsInFlight?: number;
  usersInFlight?: number;
  wait?: boolean;
  until?: string;
  waitTimeout: string;
}

/** The request the options describe, as raw input for the schema (which owns every default). */
export function offboardingRequestFromOptions(opts: OffboardOptions): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    employeeId: opts.employee,
    match: {
      userNames: opts.user,
      tagValues: opts.email,
      ...(opts.tagKey === undefined ? {} : { tagKey: opts.tagKey }),
    },
    initiator: opts.initiator,
    approval: {
      approvers: opts.approver,
      ...(opts.requiredApprovals === undefined ? {} : { requiredApprovals: opts.requiredApprovals }),
      ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
      ...(opts.onTimeout === undefined ? {} : { onTimeout: opts.onTimeout }),
    },
    scope: {
      excludeAccounts: opts.excludeAccount,
      ...(opts.includeAccount.length === 0 ? {} : { includeAccounts: opts.includeAccount }),
    },
  };
  if (opts.accountsInFlight !== undefined || opts.usersInFlight !== undefined) {
    raw.limits = {
      ...(opts.accountsInFlight === undefined ? {} : { accountsInFlight: opts.accountsInFlight }),
      ...(opts.usersInFlight === undefined ? {} : { usersInFlightPerAccount: opts.usersInFlight }),
    };
  }
  if (opts.purgeMode !== undefined) raw.purgeMode = opts.purgeMode;
  if (opts.reason !== undefined) raw.reason = opts.reason;
  const notifications = notificationsFromOptions(opts);
  if (notifications !== undefined) raw.notifications = notifications;
  return raw;
}

/** --wait, --until and --wait-timeout, checked before anything starts. */
function parseWaitOptions(
  opts: OffboardOptions,
): { until: z.infer<typeof WaitTargetSchema>; timeoutMs: number } | undefined {
  if (!opts.wait) {
    if (opts.until !== undefined) throw new UsageError('--until needs --wait');
    return undefined;
  }
  const until = WaitTargetSchema.safeParse(opts.until ?? 'contained');
  if (!until.success) throw new UsageError(z.prettifyError(until.error));
  const timeout = durationSchema.safeParse(opts.waitTimeout);
  if (!timeout.success) throw new UsageError(`--wait-timeout: ${z.prettifyError(timeout.error)}`);
  return { until: until.data, timeoutMs: durationToMs(timeout.data) };
}

export function registerOffboardCommand(program: Command): void {
  addNotifyOptions(program.command('offboard'))
    .description('contain a leaver in every account now; purge after approval, restore on reject or cancel')
    .requiredOption('--employee <id>', 'the employee ID (the workflow is offboard-<id>)')
    .option('--email <email>', 'match users whose email tag has this value (repeatable)', collect, [])
    .option('--user <name>', 'match IAM users with this name (repeatable)', collect, [])
    .option('--tag-key <key>', 'the tag that --email matches (default: email)')
    .requiredOption('--initiator <who>', 'who asks for the offboarding (may not approve it)')
    .option('--approver <who>', 'an allowed approver (repeatable, at least one)', collect, [])
    .option(
      '--required-approvals <n>',
      'approvals needed',
      parseIntegerOption('--required-approvals', 1, 100),
    )
    .option('--purge-mode <mode>', 'after approval: delete-user (default) or strip-credentials')
    .option('--timeout <duration>', 'approval timeout, e.g. 24h (default 24h)')
    .option(
      '--on-timeout <policy>',
      'escalate (the default and the only policy: a timeout never restores the leaver)',
    )
    .option('--reason <text>', 'why (shown in the status)')
    .option('--include-account <id>', 'search only these accounts (repeatable)', collect, [])
    .option('--exclude-account <id>', 'do not search this account (repeatable)', collect, [])
    .option(
      '--accounts-in-flight <n>',
      `accounts searched and contained at once (default ${ACCOUNTS_IN_FLIGHT_DEFAULT})`,
      parseIntegerOption('--accounts-in-flight', 1, ACCOUNTS_IN_FLIGHT_MAX),
    )
    .option(
      '--users-in-flight <n>',
      `users contained at once within one account (default ${USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT})`,
      parseIntegerOption('--users-in-flight', 1, USERS_IN_FLIGHT_PER_ACCOUNT_MAX),
    )
    .option('--wait', 'return when the leaver is contained, and print the time from request to contained')
    .option(
      '--until <phase>',
      'with --wait: return at this phase instead (e.g. awaiting-approval, completed)',
    )
    .option('--wait-timeout <duration>', 'with --wait: give up waiting after this long', '10m')
    .action(async (opts: OffboardOptions) => {
      if (opts.approver.length === 0) {
        throw new UsageError(
          'name at least one approver with --approver <who>: someone other than the initiator must approve the purge',
        );
      }
      const parsed = parseOffboardingRequest(offboardingRequestFromOptions(opts));
      if (!parsed.ok) {
        throw new UsageError(
          `invalid offboarding request (the fields map to options: approval.approvers is --approver, match.tagValues is --email, match.userNames is --user):\n${parsed.message}`,
        );
      }
      const wait = parseWaitOptions(opts);
      const target = resolveTemporalTarget();
      const connection = await Connection.connect(clientConnectionOptions(target)).catch(
        async (error: unknown) => {
          throw new CliError(await connectionFailureMessage(error, target));
        },
      );
      try {
        const client = new Client({ connection, namespace: target.namespace });
        const started = await startOffboarding(client, {
          taskQueue: target.taskQueue,
          request: parsed.request,
          requestedAt: new Date().toISOString(),
        }).catch((error: unknown) => {
          const notSetUp = missingSearchAttributesMessage(error, target.namespace);
          throw notSetUp === undefined ? error : new CliError(`could not start the offboarding: ${notSetUp}`);
        });
        say(
          started.duplicate
            ? `already running, nothing new started: ${started.workflowId} (run ${started.runId})`
            : `offboarding started: ${started.workflowId} (run ${started.runId})`,
        );
        const link = workflowUiLink(target, started.workflowId);
        if (link) say(`Temporal Web UI: ${link}`);
        say(`status: keywarden status ${started.workflowId}`);
        if (wait === undefined) return;
        const outcome = await waitForOffboarding(client, started.workflowId, wait);
        say(containmentLine(outcome.status));
        if (!outcome.reached) {
          throw new CliError(
            outcome.timedOut
              ? `still in phase ${outcome.status.phase} after waiting ${opts.waitTimeout} for ${wait.until}`
              : `the run ended in phase ${outcome.status.phase} without reaching ${wait.until}${outcome.status.error ? `: ${outcome.status.error}` : ''}`,
          );
        }
        if (wait.until !== 'contained') say(`phase ${outcome.status.phase} reached`);
        if (outcome.status.containmentComplete === false)
          throw new CliError('containment is incomplete: see the status for the step that failed and why');
      } finally {
        await connection.close();
      }
    });

  program
    .command('skip-account')
    .description(
      'stop searching an account that does not answer; the offboarding then ends incomplete, naming it',
    )
    .argument('<id>', 'the offboarding workflow ID (offboard-<employee>)')
    .requiredOption('--account <id>', 'the account ID whose search is being retried')
    .option(
      '--by <who>',
      "who you are: the initiator or one of approval.approvers (default: the --key file's approver)",
    )
    .requiredOption('--reason <text>', 'why this account need not be searched (recorded in the status)')
    .option('--key <file>', 'sign with this approval key (required where approval.signatures is required)')
    .option('--valid-for <duration>', 'how long the signature is valid', '1h')
    .action(
      async (
        id: string,
        opts: { account: string; by?: string; reason: string; key?: string; validFor: string },
      ) => {
        const key = opts.key === undefined ? undefined : readKeyFile(opts.key);
        if (key !== undefined && opts.by !== undefined && opts.by.trim().toLowerCase() !== key.approver) {
          throw new UsageError(
            `--by ${opts.by} does not match the key file, which belongs to ${key.approver}`,
          );
        }
        const by = opts.by ?? key?.approver;
        if (by === undefined)
          throw new UsageError('say who you are with --by <who> (or sign with --key <file>)');
        let parsed = SkipAccountSignalSchema.safeParse({ by, accountId: opts.account, reason: opts.reason });
        if (!parsed.success) throw new UsageError(`invalid skip-account:\n${z.prettifyError(parsed.error)}`);
        if (key !== undefined) {
          const accountId = parsed.data.accountId;
          const signed = signedPayload(
            key,
            { workflowId: id, action: 'skip', round: 0, planDigest: skipDigest(accountId) },
            parsed.data.reason,
            validityMs(opts.validFor),
          );
          parsed = SkipAccountSignalSchema.safeParse({
            ...parsed.data,
            by: key.approver,
            expiresAt: signed.expiresAt,
            signature: signed.signature,
          });
          if (!parsed.success)
            throw new UsageError(`invalid skip-account:\n${z.prettifyError(parsed.error)}`);
        }
        const target = resolveTemporalTarget();
        const connection = await Connection.connect(clientConnectionOptions(target));
        try {
          const handle = new Client({ connection, namespace: target.namespace }).workflow.getHandle(id);
          const before = await handle.query<OffboardingStatus>('status');
          await handle.signal('skip-account', parsed.data);
          // The signal is handled by the next workflow task: look until the run has judged it.
          for (let i = 0; i < 50; i++) {
            const after = await handle.query<OffboardingStatus>('status');
            const refused = (after.skipRefusals ?? []).slice((before.skipRefusals ?? []).length);
            if (refused.length > 0) throw new UsageError(`skip-account refused: ${refused[0]!.reason}`);
            if ((after.accountsSkipped ?? []).length > (before.accountsSkipped ?? []).length) break;
            if (i === 49)
              throw new UsageError(
                'skip-account sent; the run has not judged it yet: check keywarden status',
              );
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          say(`account ${parsed.data.accountId} skipped: ${id} will not search it again and ends incomplete`);
        } finally {
          await connection.close();
        }
      },
    );
}
