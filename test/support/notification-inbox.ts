import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The path part of the webhook URL plays the token a real incoming webhook URL carries. */
export const WEBHOOK_TOKEN = 'T000-hook-token-not-for-history';

export interface SentEmail {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[] };
}

/** A local incoming webhook: keeps every body posted to it. */
export async function webhookReceiver(
  status = 200,
): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/services/${WEBHOOK_TOKEN}`, bodies };
}

/** The `text` field of every body the webhook took. */
export function webhookTexts(bodies: readonly string[]): string[] {
  return bodies.map((body) => {
    const parsed = JSON.parse(body) as { text?: unknown };
    if (typeof parsed.text !== 'string') throw new Error(`a webhook body has no text field: ${body}`);
    return parsed.text;
  });
}

/** The e-mail the emulator accepted, read back from its model dump. */
export async function sentEmails(endpoint: string): Promise<SentEmail[]> {
  const response = await fetch(`${endpoint}/moto-api/data.json`);
  const data = (await response.json()) as { ses?: { Message?: SentEmail[] } };
  return data.ses?.Message ?? [];
}
