import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { clientConnectionOptions, workerConnectionOptions } from '../../../connection/connection-options';
import { loadTemporalConnection } from '../../../connection/load-temporal-connection';
import { TemporalConfigError } from '../../../connection/temporal-config-error';
import { describeTemporalConnection, type TemporalConnection } from '../../../connection/temporal-connection';
import { makeTestPki, type TestPki } from '../../support/test-pki';

const API_KEY = 'tcloud-secret-api-key-0123456789';

const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-envconfig-'));
/** A home without a Temporal config file, so the real default file of whoever runs the tests is never read. */
const emptyHome = path.join(dir, 'home');
mkdirSync(emptyHome);
let pki: TestPki;
before(() => {
  pki = makeTestPki(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function toml(text: string): string {
  const file = path.join(dir, `temporal-${++fileCount}.toml`);
  writeFileSync(file, text);
  return file;
}

/** An environment with nothing Temporal-related in it but what the test gives. */
function env(vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: emptyHome, PATH: process.env.PATH, ...vars };
}

function load(vars: Record<string, string>): TemporalConnection {
  const connection = loadTemporalConnection(env(vars));
  assert.ok(connection, 'a connection is configured');
  return connection;
}

function configError(vars: Record<string, string>): string {
  try {
    loadTemporalConnection(env(vars));
  } catch (error) {
    assert.ok(error instanceof TemporalConfigError, `a TemporalConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a TemporalConfigError');
}

const TWO_PROFILES = `
[profile.default]
address = "127.0.0.1:7233"
namespace = "default"

[profile.prod]
address = "temporal.prod.example.com:7233"
namespace = "keywarden-prod"
`;

describe('where the connection comes from', () => {
  test('nothing configured: no connection, or the fallback, plaintext', () => {
    assert.equal(loadTemporalConnection(env()), undefined);
    const local = loadTemporalConnection(env(), () => ({
      address: '127.0.0.1:7300',
      namespace: 'sandbox',
      origin: 'the running sandbox',
    }));
    assert.deepEqual(local, {
      address: '127.0.0.1:7300',
      namespace: 'sandbox',
      tls: false,
      origin: 'the running sandbox',
    });
  });

  test('the default profile of the file at the default location (XDG_CONFIG_HOME)', () => {
    const configHome = path.join(dir, 'xdg');
    mkdirSync(path.join(configHome, 'temporalio'), { recursive: true });
    writeFileSync(path.join(configHome, 'temporalio', 'temporal.toml'), TWO_PROFILES);
    const connection = load({ XDG_CONFIG_HOME: configHome });
    assert.equal(connection.address, '127.0.0.1:7233');
    assert.equal(connection.tls, false);
    assert.match(connection.origin, /profile "default" of .*xdg\/temporalio\/temporal\.toml/);
  });

  test('TEMPORAL_PROFILE selects a profile of TEMPORAL_CONFIG_FILE', () => {
    const file = toml(TWO_PROFILES);
    const connection = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    assert.equal(connection.address, 'temporal.prod.example.com:7233');
    assert.equal(connection.namespace, 'keywarden-prod');
    assert.equal(connection.origin, `profile "prod" of ${file}`);
  });

  test('TEMPORAL_* variables override the profile, and the origin names them', () => {
    const file = toml(TWO_PROFILES);
    const connection = load({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'other',
    });
    assert.equal(connection.address, 'temporal.prod.example.com:7233');
    assert.equal(connection.namespace, 'other');
    assert.equal(connection.origin, `profile "prod" of ${file}, TEMPORAL_NAMESPACE`);
  });

  test('variables alone, namespace defaulting to "default"', () => {
    const connection = load({ TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    assert.equal(connection.namespace, 'default');
    assert.equal(connection.origin, 'TEMPORAL_ADDRESS');
  });

  test('an empty TEMPORAL_CONFIG_FILE reads no file, not even the default one', () => {
    const configHome = path.join(dir, 'xdg-ignored');
    mkdirSync(path.join(configHome, 'temporalio'), { recursive: true });
    writeFileSync(path.join(configHome, 'temporalio', 'temporal.toml'), TWO_PROFILES);
    assert.equal(
      loadTemporalConnection(env({ XDG_CONFIG_HOME: configHome, TEMPORAL_CONFIG_FILE: '' })),
      undefined,
    );
  });

  test('a profile that does not exist: the error lists the ones that do', () => {
    const file = toml(TWO_PROFILES);
    const message = configError({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' });
    assert.equal(
      message,
      `TEMPORAL_PROFILE is "staging" but ${file} has no [profile.staging]: it has "default", "prod". Fix TEMPORAL_PROFILE or add the profile`,
    );
  });

  test('a profile named but no config file at all', () => {
    assert.match(
      configError({ TEMPORAL_PROFILE: 'prod' }),
      /no Temporal config file to read it from: set TEMPORAL_CONFIG_FILE/,
    );
  });

  test('TEMPORAL_CONFIG_FILE naming a missing file is an error, not a silent fallback', () => {
    const missing = path.join(dir, 'nope.toml');
    assert.match(
      configError({ TEMPORAL_CONFIG_FILE: missing }),
      new RegExp(`TEMPORAL_CONFIG_FILE names ${missing}, which does not exist`),
    );
  });

  test('a TOML syntax error: line and column, and never the text around it (it may hold a key)', () => {
    const file = toml(`[profile.default]\naddress = "127.0.0.1:7233"\napi_key = "${API_KEY}\n`);
    const message = configError({ TEMPORAL_CONFIG_FILE: file });
    assert.match(
      message,
      new RegExp(`the Temporal config file ${file} is not valid: .*\\(line 3, column \\d+\\)`),
    );
    assert.ok(!message.includes(API_KEY), 'the API key is not in the message');
  });

  test('a misspelt key is refused, with the keys that are allowed', () => {
    const file = toml(`[profile.default]\naddress = "127.0.0.1:7233"\napikey = "${API_KEY}"\n`);
    const message = configError({ TEMPORAL_CONFIG_FILE: file });
    assert.match(
      message,
      /key\(s\) unrecognized in profile\.default: apikey\. Allowed in a \[profile\.<name>\] table: address, namespace, api_key/,
    );
    assert.ok(!message.includes(API_KEY));
  });
});

describe('addresses and namespaces', () => {
  for (const [address, why] of [
    ['https://temporal.example.com:7233', /without a scheme/],
    ['temporal.example.com', /must be host:port/],
    ['temporal.example.com:99999', /must be host:port/],
    ['temporal example.com:7233', /must be host:port/],
    [':7233', /must be host:port/],
  ] as const) {
    test(`"${address}" is refused, naming the variable`, () => {
      const message = configError({ TEMPORAL_ADDRESS: address });
      assert.match(message, /^TEMPORAL_ADDRESS /);
      assert.match(message, why);
    });
  }

  test('a bad address in a profile names the profile key', () => {
    const file = toml('[profile.default]\naddress = "temporal.example.com"\n');
    assert.match(
      configError({ TEMPORAL_CONFIG_FILE: file }),
      new RegExp(`^address in profile "default" of ${file} must be host:port`),
    );
  });

  test('host names, IPv4 and bracketed IPv6 are accepted', () => {
    for (const address of [
      'my-ns.my-account.tmprl.cloud:7233',
      '10.0.0.7:7233',
      '[::1]:7233',
      'localhost:1',
    ]) {
      assert.equal(load({ TEMPORAL_ADDRESS: address }).address, address);
    }
  });

  test('a namespace with spaces is refused', () => {
    assert.match(
      configError({ TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_NAMESPACE: 'my ns' }),
      /TEMPORAL_NAMESPACE must be a namespace name/,
    );
  });
});

describe('API keys', () => {
  test('an API key turns TLS on (system CAs) and reaches both connection options, never a printout', () => {
    const file = toml(
      `[profile.cloud]\naddress = "my-ns.my-account.tmprl.cloud:7233"\nnamespace = "my-ns.my-account"\napi_key = "${API_KEY}"\n`,
    );
    const connection = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    assert.deepEqual(connection.tls, {});
    const client = clientConnectionOptions(connection);
    const worker = workerConnectionOptions(connection);
    assert.equal(client.apiKey, API_KEY);
    assert.equal(worker.apiKey, API_KEY);
    assert.deepEqual(client.tls, {});
    assert.deepEqual(worker.tls, {});
    assert.equal(client.address, 'my-ns.my-account.tmprl.cloud:7233');
    for (const shown of [
      JSON.stringify(connection),
      inspect(connection, { depth: 10 }),
      describeTemporalConnection(connection),
    ]) {
      assert.ok(!shown.includes(API_KEY), `the API key is not in: ${shown}`);
    }
    assert.equal(
      describeTemporalConnection(connection),
      `my-ns.my-account.tmprl.cloud:7233 (namespace my-ns.my-account, TLS + API key, from profile "cloud" of ${file})`,
    );
  });

  test('TEMPORAL_API_KEY overrides the profile', () => {
    const file = toml('[profile.default]\naddress = "my-ns.acct.tmprl.cloud:7233"\napi_key = "old"\n');
    const connection = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_API_KEY: API_KEY });
    assert.equal(connection.apiKey?.reveal(), API_KEY);
  });

  test('an API key over plaintext is refused, and the message does not show it', () => {
    const message = configError({
      TEMPORAL_ADDRESS: 'localhost:7233',
      TEMPORAL_API_KEY: API_KEY,
      TEMPORAL_TLS: 'false',
    });
    assert.match(message, /an API key must not travel unencrypted, but TEMPORAL_TLS turns TLS off/);
    assert.ok(!message.includes(API_KEY));
  });

  test('an API key with a trailing line break is refused without showing it', () => {
    const message = configError({ TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_API_KEY: `${API_KEY}\n` });
    assert.match(message, /TEMPORAL_API_KEY contains whitespace or a line break/);
    assert.ok(!message.includes(API_KEY));
  });

  test('an API key but no address anywhere is an error, not a silent fallback to the sandbox', () => {
    const message = configError({ TEMPORAL_API_KEY: API_KEY });
    assert.match(message, /sets TLS or an API key but no address: set TEMPORAL_ADDRESS/);
  });
});

describe('TLS material', () => {
  test('mTLS from file paths in a profile: CA, client certificate and key reach both connection options', () => {
    const file = toml(
      `[profile.secure]\naddress = "temporal.internal:7233"\nnamespace = "keywarden"\n` +
        `[profile.secure.tls]\nserver_name = "temporal.internal"\nserver_ca_cert_path = "${pki.caCert}"\n` +
        `client_cert_path = "${pki.clientCert}"\nclient_key_path = "${pki.clientKey}"\n`,
    );
    const connection = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'secure' });
    const expected = {
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: readFileSync(pki.caCert),
      clientCertPair: { crt: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) },
    };
    assert.deepEqual(clientConnectionOptions(connection).tls, expected);
    assert.deepEqual(workerConnectionOptions(connection).tls, expected);
    assert.ok(!inspect(connection, { depth: 10 }).includes('PRIVATE KEY'), 'the key bytes are not printed');
    assert.match(describeTemporalConnection(connection), /mTLS/);
  });

  test('TLS from TEMPORAL_TLS_* variables, with inline PEM data', () => {
    const connection = load({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: readFileSync(pki.caCert, 'utf8'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_DATA: readFileSync(pki.clientKey, 'utf8'),
    });
    assert.ok(connection.tls);
    assert.deepEqual(Buffer.from(connection.tls.serverCa ?? []), readFileSync(pki.caCert));
    assert.deepEqual(Buffer.from(connection.tls.client?.key.reveal() ?? []), readFileSync(pki.clientKey));
  });

  test('TEMPORAL_TLS=true alone: TLS with the system CAs', () => {
    assert.deepEqual(load({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' }).tls, {});
  });

  test('TEMPORAL_TLS other than true/false/1/0 is refused, not read as false', () => {
    for (const value of ['yes', 'TRUE', 'maybe'])
      assert.equal(
        configError({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: value }),
        'TEMPORAL_TLS must be true or false (or 1 or 0): set one of those, or unset it to let the address and profile decide',
      );
    assert.equal(load({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: '0' }).tls, false);
  });

  test('a client certificate without its key', () => {
    const file = toml(
      `[profile.default]\naddress = "temporal.internal:7233"\n[profile.default.tls]\nclient_cert_path = "${pki.clientCert}"\n`,
    );
    assert.equal(
      configError({ TEMPORAL_CONFIG_FILE: file }),
      `mTLS needs the client certificate and its private key together: tls.client_cert_path or tls.client_cert_data in profile "default" of ${file} is set but tls.client_key_path or tls.client_key_data in profile "default" of ${file} is not`,
    );
  });

  test('a client key without its certificate (variables)', () => {
    const message = configError({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    });
    assert.match(
      message,
      /TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH or TEMPORAL_TLS_CLIENT_CERT_DATA is not/,
    );
  });

  test('a CA file that does not exist names the file and the setting', () => {
    const missing = path.join(dir, 'missing-ca.pem');
    assert.equal(
      configError({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing }),
      `${missing} (from TEMPORAL_TLS_SERVER_CA_CERT_PATH) does not exist: fix the path or the file's permissions`,
    );
  });

  test('a CA file that is not a certificate', () => {
    const message = configError({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.clientKey,
    });
    assert.match(
      message,
      /the server CA certificate from TEMPORAL_TLS_SERVER_CA_CERT_PATH is not a PEM certificate/,
    );
    assert.ok(!message.includes('PRIVATE KEY-----\n'), 'the file is not quoted');
  });

  test('a key file that is not a key: the message does not quote it', () => {
    const garbage = path.join(dir, 'garbage.key');
    writeFileSync(garbage, 'not-a-key-but-a-secret-looking-string');
    const message = configError({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: garbage,
    });
    assert.match(
      message,
      /the TLS client key from TEMPORAL_TLS_CLIENT_KEY_PATH is not an unencrypted PEM private key/,
    );
    assert.ok(!message.includes('secret-looking'));
  });

  test('a key that does not belong to the certificate', () => {
    const message = configError({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.serverKey,
    });
    assert.match(
      message,
      /the TLS client key from TEMPORAL_TLS_CLIENT_KEY_PATH does not belong to the certificate from TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
  });

  test('both a path and inline data for one file is refused (envconfig), with the file named', () => {
    const file = toml(
      `[profile.default]\naddress = "temporal.internal:7233"\n[profile.default.tls]\nserver_ca_cert_path = "${pki.caCert}"\nserver_ca_cert_data = "x"\n`,
    );
    assert.match(
      configError({ TEMPORAL_CONFIG_FILE: file }),
      new RegExp(
        `the Temporal config file ${file} is not valid: Cannot specify both server_ca_cert_path and server_ca_cert_data`,
      ),
    );
  });

  test('TLS disabled while certificates are configured is a contradiction', () => {
    const message = configError({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS: 'false',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    });
    assert.match(message, /TEMPORAL_TLS turns TLS off, yet TEMPORAL_TLS_SERVER_CA_CERT_PATH is set/);
  });

  test('disabling host verification is refused with what to do instead', () => {
    const message = configError({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true',
    });
    assert.match(
      message,
      /not supported by the Temporal TypeScript SDK: unset it and set TEMPORAL_TLS_SERVER_NAME/,
    );
  });
});
