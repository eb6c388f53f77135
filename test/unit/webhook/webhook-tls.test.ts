import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTlsFiles } from '../../../client/webhook/startup-options';
import { buildWebhookServer } from '../../../client/webhook/server';
import { WebhookPolicySchema } from '../../../domain/webhook-policy';

function opensslMissing(): string | false {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'openssl is not on PATH: cannot make a self-signed certificate for the HTTPS test';
  }
}

function get(
  client: typeof http | typeof https,
  url: string,
  ca?: Buffer,
): Promise<{ status: number; body: string; peerCertificateCn?: string }> {
  return new Promise((resolve, reject) => {
    const request = client.get(url, ca === undefined ? {} : { ca }, (response) => {
      const socket = response.socket as { getPeerCertificate?: () => { subject?: { CN?: string } } };
      const peerCertificateCn = socket.getPeerCertificate?.().subject?.CN;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          peerCertificateCn,
        });
      });
    });
    request.setTimeout(5_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

const missing = opensslMissing();

describe('the webhook over HTTPS (--tls-cert/--tls-key)', { skip: missing }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  let app: ReturnType<typeof buildWebhookServer>;
  let port: number;

  before(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const tls = readTlsFiles({ tlsCert: certFile, tlsKey: keyFile });
    app = buildWebhookServer({
      client: {} as Client,
      taskQueue: 'q',
      secret: 'x'.repeat(64),
      policy: WebhookPolicySchema.parse({
        initiator: 'hr@example.com',
        approval: { approvers: ['sec@example.com'] },
        match: { fields: ['tag:email'] },
        purgeModes: ['strip-credentials'],
        scope: { accounts: 'all' },
      }),
      ...(tls === undefined ? {} : { tls }),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves HTTPS with the given certificate', async () => {
    const response = await get(https, `https://127.0.0.1:${port}/healthz`, readFileSync(certFile));
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { ok: true });
    assert.equal(response.peerCertificateCn, 'localhost');
  });

  test('a client that does not trust the certificate is refused by TLS', async () => {
    await assert.rejects(get(https, `https://127.0.0.1:${port}/healthz`), /self[- ]signed/i);
  });

  test('plain HTTP is not served: the connection is dropped', async () => {
    await assert.rejects(get(http, `http://127.0.0.1:${port}/healthz`), { code: 'ECONNRESET' });
  });
});
