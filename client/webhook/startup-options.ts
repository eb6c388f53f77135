import { readFileSync } from 'node:fs';
import { CliError, UsageError } from '../cli-error';
import { webhookSecretProblem } from './signature';

/** The secret being retired during a rotation, when KEYWARDEN_WEBHOOK_SECRET_PREVIOUS is set. */
export function previousWebhookSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const previous = env.KEYWARDEN_WEBHOOK_SECRET_PREVIOUS;
  if (previous === undefined || previous === '') return undefined;
  const problem = webhookSecretProblem(previous, 'KEYWARDEN_WEBHOOK_SECRET_PREVIOUS');
  if (problem !== undefined) throw new CliError(problem, 2);
  if (previous === env.KEYWARDEN_WEBHOOK_SECRET) {
    throw new CliError(
      'KEYWARDEN_WEBHOOK_SECRET_PREVIOUS is the same as KEYWARDEN_WEBHOOK_SECRET: unset it once the rotation is done',
      2,
    );
  }
  return previous;
}

/** The PEM certificate and key for HTTPS: both or neither. */
export function readTlsFiles(opts: {
  tlsCert?: string;
  tlsKey?: string;
}): { cert: Buffer; key: Buffer } | undefined {
  if (opts.tlsCert === undefined && opts.tlsKey === undefined) return undefined;
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) {
    throw new UsageError('give both --tls-cert <file> and --tls-key <file> to serve HTTPS, or neither');
  }
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`cannot read ${flag} ${file} (${code})`);
    }
  };
  return { cert: read('--tls-cert', opts.tlsCert), key: read('--tls-key', opts.tlsKey) };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** A warning when the webhook would speak plain HTTP beyond this machine; undefined otherwise. */
export function plainHttpWarning(host: string, tls: unknown): string | undefined {
  if (tls !== undefined || LOOPBACK.has(host)) return undefined;
  return 'warning: serving plain HTTP on a non-loopback address: give --tls-cert and --tls-key, or put a TLS-terminating proxy in front';
}
