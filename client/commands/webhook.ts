import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { connectionFailureMessage } from '../../connection/connection-failure';
import { clientConnectionOptions } from '../../connection/connection-options';
import { CliError } from '../cli-error';
import { parseIntegerOption } from '../options';
import { resolveTemporalTarget } from '../temporal-target';
import { buildWebhookServer } from '../webhook/server';
import { policyPath, POLICY_ENV, readWebhookPolicyFile } from '../webhook/policy-file';
import { plainHttpWarning, previousWebhookSecretFromEnv, readTlsFiles } from '../webhook/startup-options';
import { webhookSecretProblem } from '../webhook/signature';

const say = (line: string) => console.log(line);

/** The webhook secret from the environment, or a clear error (which never shows the secret). */
export function webhookSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.KEYWARDEN_WEBHOOK_SECRET;
  const problem = webhookSecretProblem(secret);
  if (problem !== undefined || secret === undefined) throw new CliError(problem ?? 'no webhook secret', 2);
  return secret;
}

interface WebhookCommandOptions {
  port: number;
  host: string;
  policy?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function registerWebhookCommand(program: Command): void {
  program
    .command('webhook')
    .description(
      'serve the signed HR webhook (POST /v1/offboarding) under a policy file; the secret comes from ' +
        'KEYWARDEN_WEBHOOK_SECRET (and KEYWARDEN_WEBHOOK_SECRET_PREVIOUS during a rotation)',
    )
    .option('--port <port>', 'port to listen on', parseIntegerOption('--port', 0, 65535), 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--policy <file>', `the webhook policy, YAML or JSON (or set ${POLICY_ENV}); required`)
    .option('--tls-cert <file>', 'PEM certificate chain: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .action(async (opts: WebhookCommandOptions) => {
      // Everything is checked before anything connects or listens.
      const policy = readWebhookPolicyFile(policyPath(opts.policy));
      const tls = readTlsFiles(opts);
      const previousSecret = previousWebhookSecretFromEnv();
      const secret = webhookSecretFromEnv();
      const target = resolveTemporalTarget();
      const connection = await Connection.connect(clientConnectionOptions(target)).catch(
        async (error: unknown) => {
          throw new CliError(await connectionFailureMessage(error, target));
        },
      );
      const client = new Client({ connection, namespace: target.namespace });
      const app = buildWebhookServer({
        client,
        taskQueue: target.taskQueue,
        secret,
        policy,
        ...(previousSecret === undefined ? {} : { previousSecret }),
        ...(tls === undefined ? {} : { tls }),
        logger: { level: 'info' },
      });
      try {
        const address = await app.listen({ port: opts.port, host: opts.host });
        say(`HR webhook listening on ${address} (POST /v1/offboarding, task queue ${target.taskQueue})`);
        if (previousSecret !== undefined)
          say('accepting the previous webhook secret too, until the rotation ends');
        const warning = plainHttpWarning(opts.host, tls);
        if (warning !== undefined) say(warning);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
      } finally {
        await app.close();
        await connection.close();
      }
    });
}
