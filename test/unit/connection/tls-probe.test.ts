import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redacted } from '../../../connection/redacted';
import type { TemporalConnection, TemporalTls } from '../../../connection/temporal-connection';
import { probeTls } from '../../../connection/tls-probe';
import { makeTestPki, type TestPki } from '../../support/test-pki';
import { startTlsProxy, type TlsProxy } from '../../support/tls-proxy';

/** The TLS servers here front nothing: a handshake is all a probe makes. */
describe('a failed TLS connection is probed for the reason', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-probe-'));
  let pki: TestPki;
  let tlsServer: TlsProxy;
  let mtlsServer: TlsProxy;
  let plaintext: Server;
  let plaintextAddress: string;

  before(async () => {
    pki = makeTestPki(dir);
    const server = {
      upstream: '127.0.0.1:1',
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
    };
    tlsServer = await startTlsProxy(server);
    mtlsServer = await startTlsProxy({ ...server, clientCa: readFileSync(pki.caCert) });
    plaintext = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.resume(); // reads the client's hello, so the client's close ends the socket here too
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => plaintext.listen(0, '127.0.0.1', resolve));
    const address = plaintext.address();
    assert.ok(address && typeof address !== 'string');
    plaintextAddress = `127.0.0.1:${address.port}`;
  });
  after(async () => {
    await tlsServer?.close();
    await mtlsServer?.close();
    await new Promise<void>((resolve) => (plaintext ? plaintext.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const connection = (address: string, tls: TemporalTls): TemporalConnection => ({
    address,
    namespace: 'default',
    tls,
    origin: 'test',
  });
  const ca = () => readFileSync(pki.caCert);
  const client = () => ({
    cert: readFileSync(pki.clientCert),
    key: new Redacted<Uint8Array>(readFileSync(pki.clientKey)),
  });

  test('the right CA and name: no problem', async () => {
    assert.equal(
      await probeTls(connection(tlsServer.address, { serverCa: ca(), serverName: 'localhost' })),
      undefined,
    );
  });

  test('mTLS with the client certificate: no problem', async () => {
    const probed = await probeTls(
      connection(mtlsServer.address, { serverCa: ca(), serverName: 'localhost', client: client() }),
    );
    assert.equal(probed, undefined);
  });

  test('another CA', async () => {
    const probed = await probeTls(
      connection(tlsServer.address, { serverCa: readFileSync(pki.otherCaCert), serverName: 'localhost' }),
    );
    assert.equal(probed?.kind, 'tls');
    assert.match(
      probed.reason,
      /^the server's certificate is not issued by the configured server CA \(\w+\)$/,
    );
  });

  test('the system CAs, which do not know the test CA', async () => {
    const probed = await probeTls(connection(tlsServer.address, { serverName: 'localhost' }));
    assert.match(probed?.reason ?? '', /not issued by a CA this system trusts/);
  });

  test('a name the certificate does not carry', async () => {
    const probed = await probeTls(
      connection(tlsServer.address, { serverCa: ca(), serverName: 'temporal.example.com' }),
    );
    assert.equal(probed?.kind, 'tls');
    assert.match(
      probed.reason,
      /not valid for the name "temporal\.example\.com": set tls\.server_name or TEMPORAL_TLS_SERVER_NAME/,
    );
  });

  test('mTLS without a client certificate', async () => {
    const probed = await probeTls(
      connection(mtlsServer.address, { serverCa: ca(), serverName: 'localhost' }),
    );
    assert.equal(probed?.kind, 'tls');
    assert.match(probed.reason, /^the server asks for a client certificate \(mTLS\)/);
  });

  test('a plaintext server', async () => {
    const probed = await probeTls(connection(plaintextAddress, { serverName: 'localhost' }));
    assert.equal(probed?.kind, 'tls');
    assert.match(probed.reason, /^127\.0\.0\.1:\d+ does not speak TLS: it may be a plaintext server/);
  });

  test('nothing listening is a network problem, not a TLS one', async () => {
    const probed = await probeTls(connection('127.0.0.1:1', {}));
    assert.deepEqual(probed, { kind: 'network', reason: 'nothing answers at 127.0.0.1:1 (ECONNREFUSED)' });
  });
});
