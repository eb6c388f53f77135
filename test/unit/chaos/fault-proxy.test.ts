import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FaultProxy, type FaultRates } from '../../support/fault-proxy';

const NONE: FaultRates = { throttling: 0, serverError: 0, connectionReset: 0 };
const IDENTITY =
  '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn>' +
  '<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>';

describe('the fault-injecting AWS proxy', () => {
  let upstream: http.Server;
  let target: string;
  const proxies: FaultProxy[] = [];
  before(async () => {
    upstream = http.createServer((request, response) => {
      request.resume();
      request.once('end', () => {
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(IDENTITY);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  const proxy = async (rates: Partial<FaultRates>, seed = 1) => {
    const started = await FaultProxy.start({ target, seed, rates: { ...NONE, ...rates } });
    proxies.push(started);
    return started;
  };
  const sts = (endpoint: string) =>
    new STSClient({
      region: 'us-east-1',
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    });

  test('forwards untouched calls to the emulator', async () => {
    const p = await proxy({});
    const out = await sts(p.endpoint).send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, '123456789012');
    assert.equal(p.counts.forwarded, 1);
  });

  test('throttling is an HTTP 400 the SDK reads as the Throttling error code, in XML and JSON protocols', async () => {
    const p = await proxy({ throttling: 1 });
    await assert.rejects(
      sts(p.endpoint).send(new GetCallerIdentityCommand({})),
      (
        error: Error & {
          $metadata?: { httpStatusCode?: number };
        },
      ) => {
        assert.equal(error.name, 'Throttling');
        assert.equal(error.$metadata?.httpStatusCode, 400);
        return true;
      },
    );
    const secrets = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: p.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    });
    await assert.rejects(secrets.send(new GetSecretValueCommand({ SecretId: 's' })), { name: 'Throttling' });
    assert.equal(p.counts.throttling, 2);
  });

  test('server errors are 500 or 503; resets and the blackout drop the connection', async () => {
    const errors = await proxy({ serverError: 1 });
    await assert.rejects(
      sts(errors.endpoint).send(new GetCallerIdentityCommand({})),
      (
        error: Error & {
          $metadata?: { httpStatusCode?: number };
        },
      ) => [500, 503].includes(error.$metadata?.httpStatusCode ?? 0),
    );
    const resets = await proxy({ connectionReset: 1 });
    for (let i = 0; i < 4; i++)
      await assert.rejects(sts(resets.endpoint).send(new GetCallerIdentityCommand({})));
    assert.equal(resets.counts.connectionReset, 4);
    const dark = await proxy({});
    dark.blackout(60_000);
    await assert.rejects(sts(dark.endpoint).send(new GetCallerIdentityCommand({})));
    assert.ok(dark.counts.blackout >= 1);
    assert.equal(dark.counts.forwarded, 0);
  });

  test('the same seed injects the same faults', async () => {
    const classes = async (seed: number) => {
      const p = await proxy({ throttling: 0.3, serverError: 0.3 }, seed);
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) {
        seen.push(
          await sts(p.endpoint)
            .send(new GetCallerIdentityCommand({}))
            .then(
              () => 'ok',
              (error: Error) => error.name,
            ),
        );
      }
      return seen;
    };
    const first = await classes(42);
    assert.deepEqual(await classes(42), first);
    assert.ok(new Set(first).size > 1, `a mix of outcomes: ${first.join(' ')}`);
  });
});
