import type { Command } from 'commander';
import type { ApprovalSignal } from '../../domain/approval';
import { normalizePrincipal } from '../../domain/ids';
import {
  readKeyFile,
  signedPayload,
  type ApprovalKey,
  validityMs,
  writeNewKeyFile,
  type SigningTarget,
} from '../approval-keys';
import type { SignalName } from '../decision-client';
import type { TemporalSession } from '../temporal-connection';
import { withTemporalSession } from '../temporal-connection';
import { UsageError } from '../cli-error';
import { resolveTemporalTarget } from '../temporal-target';
import { abortCampaign, parsePrincipal, sendApprovalSignal, signingTargetFor } from './campaign-flow';

const say = (line: string) => console.log(line);

const DESCRIPTIONS: Record<SignalName, string> = {
  approve: 'approve the deletions of a campaign (or the purge of an offboarding)',
  reject: 'reject: old keys are reactivated (campaign) or users restored (offboarding)',
  cancel: 'cancel an offboarding (HR): every user is restored exactly as recorded',
  abort:
    'abort a campaign: nothing new starts, every saga before its point of no return is rolled back, nothing is deleted',
};

interface ApprovalOptions {
  approver?: string;
  comment?: string;
  key?: string;
  validFor: string;
  printPayload?: boolean;
}

/** approve, reject, cancel and abort: the same signals an approver sends from the Temporal Web UI. */
export function registerApprovalCommands(program: Command): void {
  for (const signal of ['approve', 'reject', 'cancel', 'abort'] as const) {
    program
      .command(signal)
      .description(DESCRIPTIONS[signal])
      .argument(
        '<id>',
        signal === 'abort'
          ? 'the campaign ID'
          : 'the campaign ID, account workflow ID (approval.scope account) or offboarding workflow ID',
      )
      .option(
        '--approver <who>',
        signal === 'abort'
          ? "who you are: the initiator or one of approval.approvers (default: the --key file's approver)"
          : "who you are, as listed in approval.approvers (default: the --key file's approver)",
        parsePrincipal('--approver'),
      )
      .option('--comment <text>', 'why; recorded with the decision (and signed, with --key)')
      .option(
        '--key <file>',
        'sign with this approval key (from keywarden keygen): required where approval.signatures is required',
      )
      .option('--valid-for <duration>', 'how long the signature is valid, e.g. 24h (at most 30d)', '24h')
      .option(
        '--print-payload',
        "print the signed JSON to paste into the Web UI's Send a Signal form; send nothing",
      )
      .action(async (id: string, opts: ApprovalOptions) => {
        // Options and the key file are checked before connecting: wrong input is exit 2 whatever Temporal does.
        const signer = signerFrom(opts);
        await withTemporalSession(resolveTemporalTarget(), async (client) => {
          const from = await payloadFor(client, id, signal, signer);
          if (opts.printPayload) {
            console.log(JSON.stringify(from));
            return;
          }
          await (signal === 'abort'
            ? abortCampaign(client, id, from, say)
            : sendApprovalSignal(client, id, signal, from, say));
        });
      });
  }
  program
    .command('keygen')
    .description(
      'make an Ed25519 key pair for signing approvals; prints the public key to list in approval.publicKeys',
    )
    .requiredOption(
      '--approver <who>',
      'whose key it is, as listed in approval.approvers',
      parsePrincipal('--approver'),
    )
    .option('--out <file>', 'where to write the private key (mode 0600; never overwritten)')
    .action((opts: { approver: string; out?: string }) => {
      const file = opts.out ?? `${opts.approver.replace(/[^A-Za-z0-9._-]/g, '_')}.keywarden-key.json`;
      const publicKey = writeNewKeyFile(opts.approver, file);
      say(`wrote the private key of ${opts.approver} to ${file} (mode 0600): keep it secret`);
      say('add the public key to the spec (or offboarding policy):');
      say('  approval:');
      say('    signatures: required');
      say('    publicKeys:');
      say(`      ${JSON.stringify(opts.approver)}: ${publicKey}`);
    });
}

type Signer =
  | { approver: string; comment?: string; key?: undefined }
  | { key: ApprovalKey; comment?: string; validForMs: number };

/** Who sends the message and how it is signed, from the options alone. */
function signerFrom(opts: ApprovalOptions): Signer {
  if (opts.key === undefined) {
    if (opts.approver === undefined)
      throw new UsageError('say who you are with --approver <who> (or sign with --key <file>)');
    if (opts.printPayload) throw new UsageError('--print-payload prints a signed payload: give --key <file>');
    return opts.comment === undefined
      ? { approver: opts.approver }
      : { approver: opts.approver, comment: opts.comment };
  }
  const key = readKeyFile(opts.key);
  if (opts.approver !== undefined && normalizePrincipal(opts.approver) !== normalizePrincipal(key.approver)) {
    throw new UsageError(
      `--approver ${opts.approver} does not match the key file, which belongs to ${key.approver}`,
    );
  }
  const validForMs = validityMs(opts.validFor);
  return opts.comment === undefined ? { key, validForMs } : { key, validForMs, comment: opts.comment };
}

async function payloadFor(
  client: TemporalSession,
  id: string,
  signal: SigningTarget['action'],
  signer: Signer,
): Promise<ApprovalSignal> {
  if (signer.key === undefined) {
    return signer.comment === undefined
      ? { approver: signer.approver }
      : { approver: signer.approver, comment: signer.comment };
  }
  const target = await signingTargetFor(client, id, signal);
  return signedPayload(signer.key, target, signer.comment, signer.validForMs);
}
