import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { connectionFailureMessage } from '../../connection/connection-failure';
import { clientConnectionOptions } from '../../connection/connection-options';
import { CliError } from '../cli-error';
import { parseIntegerOption } from '../options';
import { resolveTemporalTarget } from '../temporal-target';
import { buildWebhookServer } from '../webhook/server';
import { webhookSecretProblem } from '../webhook/signature';

const say = (line: string) => console.log(line);

/** The webhook secret from the environment, or a clear error (which never shows the secret). */
export function webhookSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.KEYWARDEN_WEBHOOK_SECRET;
  const problem = webhookSecretProblem(secret);
  if (problem !== undefined || secret === undefined) throw new CliError(problem ?? 'no webhook secret', 2);
  return secret;
}

export function registerWebhookCommand(program: Command): void {
  program
    .command('webhook')
    .description(
      'serve the signed HR webhook (POST /v1/offboarding); the secret comes from KEYWARDEN_WEBHOOK_SECRET',
    )
    .option('--port <port>', 'port to listen on', parseIntegerOption('--port', 0, 65535), 8787)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
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
        logger: { level: 'info' },
      });
      try {
        const address = await app.listen({ port: opts.port, host: opts.host });
        say(`HR webhook listening on ${address} (POST /v1/offboarding, task queue ${target.taskQueue})`);
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
