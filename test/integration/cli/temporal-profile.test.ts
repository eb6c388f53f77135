import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { paths } from '../../../sandbox/project-paths';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { makeTestPki, type TestPki } from '../../support/test-pki';
import { freshOrg, testStack } from '../../support/test-stack';
import { startTlsProxy, type TlsProxy } from '../../support/tls-proxy';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI, the worker and the webhook read their Temporal connection from a TOML profile. The dev
 * server speaks plaintext only (the Temporal CLI's start-dev has no TLS options), so the TLS and
 * mTLS profiles go through a TLS-terminating proxy in front of it, with a CA made for the test.
 */
describe('a Temporal config file profile connects the CLI, the worker and the webhook', () => {
  const stack = testStack();
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-profile-'));
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const configFile = path.join(dir, 'temporal.toml');
  const taskQueue = `profile-${Date.now()}`;
  let pki: TestPki;
  let tlsProxy: TlsProxy;
  let mtlsProxy: TlsProxy;
  let org: SeededOrg;
  let connection: Connection;
  let client: Client;
  const started: string[] = [];
  /** Every long-running process the tests start, with a promise of its exit made when it started. */
  const children: { child: ChildProcess; exit: Promise<void> }[] = [];

  before(async () => {
    pki = makeTestPki(dir);
    org = await freshOrg(stack);
    const serverTls = {
      upstream: stack.temporalAddress,
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
    };
    tlsProxy = await startTlsProxy(serverTls);
    mtlsProxy = await startTlsProxy({ ...serverTls, clientCa: readFileSync(pki.caCert) });
    const ns = `namespace = "${stack.namespace}"`;
    writeFileSync(
      configFile,
      [
        `[profile.plain]\naddress = "${stack.temporalAddress}"\n${ns}`,
        `[profile.tls]\naddress = "${tlsProxy.address}"\n${ns}`,
        `[profile.tls.tls]\nserver_name = "localhost"\nserver_ca_cert_path = "${pki.caCert}"`,
        `[profile.mtls]\naddress = "${mtlsProxy.address}"\n${ns}`,
        `[profile.mtls.tls]\nserver_name = "localhost"\nserver_ca_cert_path = "${pki.caCert}"\n` +
          `client_cert_path = "${pki.clientCert}"\nclient_key_path = "${pki.clientKey}"`,
        `[profile.wrong-ca]\naddress = "${tlsProxy.address}"\n${ns}`,
        `[profile.wrong-ca.tls]\nserver_name = "localhost"\nserver_ca_cert_path = "${pki.otherCaCert}"`,
        `[profile.no-client-cert]\naddress = "${mtlsProxy.address}"\n${ns}`,
        `[profile.no-client-cert.tls]\nserver_name = "localhost"\nserver_ca_cert_path = "${pki.caCert}"`,
      ].join('\n\n') + '\n',
    );
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.namespace });
  });

  after(async () => {
    for (const { child } of children) if (running(child)) child.kill('SIGTERM');
    await Promise.all(children.map(({ exit }) => exit));
    for (const id of started)
      await client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await connection?.close();
    await tlsProxy?.close();
    await mtlsProxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Only the profile: every TEMPORAL_* variable of the test process is left out. */
  function profileEnv(profile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')),
    );
    return {
      ...env,
      HOME: home,
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: profile,
      KEYWARDEN_TASK_QUEUE: taskQueue,
      ...extra,
    };
  }

  const keywarden = (profile: string, ...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
        { cwd: paths.root, env: profileEnv(profile), timeout: 120_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  /** Starts a long-running process and resolves once a line of its stdout matches, or rejects when it exits first. */
  function startUntil(
    args: string[],
    env: NodeJS.ProcessEnv,
    ready: RegExp,
  ): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, args, { cwd: paths.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push({ child, exit: new Promise<void>((resolve) => child.once('exit', () => resolve())) });
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after 120 s:\n${output}`)), 120_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (ready.test(output)) {
          clearTimeout(timer);
          resolve({ child, output: () => output });
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before it was ready:\n${output}`));
      });
    });
  }

  const specFile = (id: string) => {
    const file = path.join(dir, `${id}.yaml`);
    writeFileSync(
      file,
      `id: ${id}\nname: profile test\ninitiator: ops@example.com\nscope:\n  allAccounts: true\n` +
        `approval:\n  approvers: [alice@example.com]\n`,
    );
    return file;
  };

  test('plaintext profile: the CLI starts a campaign on the profile namespace and KEYWARDEN_TASK_QUEUE', async () => {
    const id = `profile-plain-${Date.now()}`;
    const run = await keywarden('plain', 'rotate', specFile(id), '--dry-run');
    started.push(id);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`started campaign ${id} \\(dry run`));
    const description = await client.workflow.getHandle(id).describe();
    assert.equal(description.type, 'rotationCampaign');
    assert.equal(description.taskQueue, taskQueue);
  });

  test('mTLS worker and TLS CLI: a dry-run campaign runs to the end and its status is read back', async () => {
    const { accessKeyId, secretAccessKey } = org.operatorCredentials;
    const worker = await startUntil(
      [path.join(paths.root, 'dist', 'worker', 'main.js')],
      profileEnv('mtls', {
        AWS_ENDPOINT_URL: stack.awsEndpoint,
        AWS_REGION: org.region,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
      }),
      /keywarden worker polling task queue/,
    );
    assert.match(
      worker.output(),
      new RegExp(
        `polling task queue ${taskQueue} on ${mtlsProxy.address} \\(namespace ${stack.namespace}, mTLS, from profile "mtls" of `,
      ),
    );

    const id = `profile-tls-${Date.now()}`;
    const run = await keywarden('tls', 'rotate', specFile(id), '--dry-run', '--wait');
    started.push(id);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`started campaign ${id} \\(dry run`));
    const status = await keywarden('tls', 'status', id, '--json');
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { phase: string; campaignId: string };
    assert.equal(parsed.campaignId, id);
    assert.equal(parsed.phase, 'completed');
    assert.equal((await client.workflow.getHandle(id).describe()).status.name, 'COMPLETED');
  });

  test('a server certificate from another CA: the CLI fails clearly and names what to check', async () => {
    const run = await keywarden('wrong-ca', 'status', 'any-id');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `^keywarden: cannot reach Temporal at ${tlsProxy.address} \\(namespace ${stack.namespace}, TLS, from profile "wrong-ca" of `,
      ),
    );
    assert.match(
      run.stderr,
      /TLS: the server's certificate is not issued by the configured server CA \(\w+\)/,
    );
    assert.match(
      run.stderr,
      /check the server CA \(tls\.server_ca_cert_path or TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    );
    assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
  });

  test('mTLS without a client certificate: refused, and the message says to check it', async () => {
    const run = await keywarden('no-client-cert', 'status', 'any-id');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`^keywarden: cannot reach Temporal at ${mtlsProxy.address}`));
    assert.match(
      run.stderr,
      /TLS: the server asks for a client certificate \(mTLS\): set tls\.client_cert_path and tls\.client_key_path/,
    );
  });

  test('the webhook connects with the profile (mTLS) and refuses to start with a CA it cannot verify', async () => {
    const secret = 'a'.repeat(64);
    // The shipped example policy: the webhook refuses to start without one.
    const policy = {
      KEYWARDEN_WEBHOOK_SECRET: secret,
      KEYWARDEN_WEBHOOK_POLICY: path.join(paths.root, 'examples', 'webhook-policy.yaml'),
    };
    const webhook = await startUntil(
      [path.join(paths.root, 'bin', 'keywarden.js'), 'webhook', '--port', '0'],
      profileEnv('mtls', policy),
      /HR webhook listening on/,
    );
    assert.match(webhook.output(), new RegExp(`task queue ${taskQueue}`));
    webhook.child.kill('SIGTERM');
    await children.find(({ child }) => child === webhook.child)?.exit;

    const refused = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [path.join(paths.root, 'bin', 'keywarden.js'), 'webhook', '--port', '0'],
        {
          cwd: paths.root,
          env: profileEnv('wrong-ca', policy),
          timeout: 120_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      /^keywarden: cannot reach Temporal at .*TLS: the server's certificate is not issued by the configured server CA/,
    );
    assert.equal(refused.stdout, '', 'it never listened');
  });

  test('the worker with a CA that did not issue the server certificate: exits 1 and says why', async () => {
    const run = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [path.join(paths.root, 'dist', 'worker', 'main.js')],
        { cwd: paths.root, env: profileEnv('wrong-ca'), timeout: 120_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /^keywarden worker: cannot reach Temporal at .*TLS: the server's certificate is not issued by the configured server CA/,
    );
  });

  test('a profile that does not exist: exit 2 before any connection, naming the profiles there are', async () => {
    const run = await keywarden('staging', 'status', 'any-id');
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr.trim(),
      `keywarden: Temporal connection: TEMPORAL_PROFILE is "staging" but ${configFile} has no [profile.staging]: it has "plain", "tls", "mtls", "wrong-ca", "no-client-cert". Fix TEMPORAL_PROFILE or add the profile`,
    );
  });
});

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
