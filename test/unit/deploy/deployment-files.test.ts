import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { awsEnvironmentFromEnv } from '../../../activities/aws/aws-config';
import { buildProgram } from '../../../client/cli';
import { webhookSecretFromEnv } from '../../../client/commands/webhook';
import { publicKeyOf } from '../../../domain/approval-signature';
import { resolveTemporalTarget } from '../../../client/temporal-target';
import { policyPath, readWebhookPolicyFile } from '../../../client/webhook/policy-file';
import { previousWebhookSecretFromEnv } from '../../../client/webhook/startup-options';
import { paths } from '../../../sandbox/project-paths';
import { approverRegistryFromEnv } from '../../../worker/approver-registry-file';
import { workerConfigFromEnv } from '../../../worker/worker-config';
import {
  composePath,
  containerEnv,
  interpolate,
  readComposeFile,
  variablesRead,
  type ComposeService,
} from '../../support/compose-file';

const dclint = path.join(paths.root, 'node_modules', 'dclint', 'bin', 'dclint.cjs');
const compose = readComposeFile();
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  assert.ok(found, `docker-compose.yml has a ${name} service`);
  return found;
};
// Only for ${X:?...}: compose refuses to start until X is set, so the test plays the person who set it.
const samples = { KEYWARDEN_WEBHOOK_SECRET: randomBytes(32).toString('hex') };
// No Temporal config file from the machine running the test: the compose environment alone counts.
const hermetic = { TEMPORAL_CONFIG_FILE: '' };

/** What each keywarden process reads, by calling its own config loaders. */
const READERS: Record<string, Array<(env: NodeJS.ProcessEnv) => unknown>> = {
  'keywarden-setup': [resolveTemporalTarget],
  'keywarden-worker': [workerConfigFromEnv, approverRegistryFromEnv, awsEnvironmentFromEnv],
  'keywarden-webhook': [
    resolveTemporalTarget,
    webhookSecretFromEnv,
    previousWebhookSecretFromEnv,
    (env) => policyPath(undefined, env),
  ],
};

/** Read by the AWS SDK's default credential chain, not by keywarden's code: checked in the SDK below. */
const AWS_SDK_VARIABLES: Record<string, string> = {
  AWS_ACCESS_KEY_ID: '@aws-sdk/credential-provider-env/dist-cjs/index.js',
  AWS_SECRET_ACCESS_KEY: '@aws-sdk/credential-provider-env/dist-cjs/index.js',
  AWS_SESSION_TOKEN: '@aws-sdk/credential-provider-env/dist-cjs/index.js',
  AWS_PROFILE: '@smithy/core/dist-cjs/submodules/config/index.js',
};

/** Read by Node.js itself when the process starts: checked by starting Node with the value below. */
const NODE_VARIABLES = new Set(['NODE_OPTIONS']);

/** Without these a process in a container cannot work (the defaults point at the container itself). */
const REQUIRED: Record<string, string[]> = {
  'keywarden-setup': ['TEMPORAL_ADDRESS'],
  'keywarden-worker': ['TEMPORAL_ADDRESS'],
  'keywarden-webhook': ['TEMPORAL_ADDRESS', 'KEYWARDEN_WEBHOOK_SECRET', 'KEYWARDEN_WEBHOOK_POLICY'],
};

describe('docker-compose.yml', () => {
  test('is valid against the Compose specification and lint-clean (dclint, offline)', () => {
    const run = spawnSync(process.execPath, [dclint, '--max-warnings', '0', composePath], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  });

  test('the validation bites: a misspelt service key fails it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-compose-'));
    try {
      const broken = path.join(dir, 'docker-compose.yml');
      writeFileSync(
        broken,
        readFileSync(composePath, 'utf8').replace('restart: unless-stopped', 'restat: unless-stopped'),
      );
      const run = spawnSync(process.execPath, [dclint, broken], { encoding: 'utf8' });
      assert.equal(run.status, 1);
      assert.match(run.stdout + run.stderr, /invalid-schema/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pins every image tag', () => {
    const images = Object.entries(compose.services).filter(([, s]) => s.image !== undefined);
    assert.ok(images.length >= 3, 'PostgreSQL, Temporal and its Web UI come as images');
    for (const [name, { image }] of images) {
      assert.match(
        image ?? '',
        /^[a-z0-9./-]+:\d+(\.\d+)+(-[a-z0-9.-]+)?$/,
        `${name}: ${image} is not pinned to a version`,
      );
    }
    for (const name of Object.keys(READERS))
      assert.equal(service(name).build, '.', `${name} is built from the Dockerfile`);
  });

  for (const [name, read] of Object.entries(READERS)) {
    test(`${name}: sets only variables keywarden reads, and every one it needs; the values parse`, () => {
      const env: Record<string, string> = { ...containerEnv(service(name), samples), ...hermetic };
      // The loaders throw on a value they cannot use: the compose defaults must be usable.
      const readByName = variablesRead(env, read);
      for (const variable of Object.keys(containerEnv(service(name), samples))) {
        assert.ok(
          readByName.has(variable) || variable in AWS_SDK_VARIABLES || NODE_VARIABLES.has(variable),
          `${name} sets ${variable}, which nothing in keywarden or the AWS SDK reads`,
        );
      }
      for (const variable of REQUIRED[name] ?? []) {
        assert.ok(readByName.has(variable), `${variable} is read by ${name}`);
        assert.ok(env[variable], `${name} must set ${variable}`);
      }
    });
  }

  test("the worker's NODE_OPTIONS are flags Node accepts, and bound its heap as the README says", () => {
    const { NODE_OPTIONS: options } = containerEnv(service('keywarden-worker'), samples);
    assert.ok(options, 'the worker sets NODE_OPTIONS');
    const run = spawnSync(
      process.execPath,
      ['-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))'],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: options } },
    );
    assert.equal(run.status, 0, run.stderr);
    // The old generation's limit plus the young generation's (three semi-spaces of 4 MiB).
    assert.equal(Number(run.stdout) / 2 ** 20, 192 + 3 * 4);
  });

  test('the AWS SDK does read the standard credential variables the worker is given', () => {
    for (const [variable, file] of Object.entries(AWS_SDK_VARIABLES)) {
      const source = readFileSync(path.join(paths.root, 'node_modules', file), 'utf8');
      assert.ok(source.includes(`"${variable}"`), `${file} reads ${variable}`);
    }
  });

  test('the worker and the webhook share one Temporal namespace and task queue', () => {
    const worker = containerEnv(service('keywarden-worker'), samples);
    const webhook = containerEnv(service('keywarden-webhook'), samples);
    for (const variable of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'KEYWARDEN_TASK_QUEUE'])
      assert.equal(worker[variable], webhook[variable], variable);
  });

  test('the webhook policy it mounts by default is a valid policy', () => {
    const mount = (service('keywarden-webhook').volumes ?? []).find((v) =>
      v.includes('/etc/keywarden/webhook-policy.yaml'),
    );
    assert.ok(mount, 'the webhook mounts a policy file');
    const source = interpolate(mount).split(':')[0] ?? '';
    const policy = readWebhookPolicyFile(path.resolve(paths.root, source));
    assert.ok(policy, 'the policy parses');
  });

  test('the worker reads the approver keys file mounted read-only from KEYWARDEN_APPROVER_KEYS_FILE, and runs without one', () => {
    const worker = service('keywarden-worker');
    const mount = (worker.volumes ?? []).find((v) => v.includes('KEYWARDEN_APPROVER_KEYS_FILE'));
    assert.ok(mount, 'the worker mounts the approver keys file');
    assert.equal(containerEnv(worker, samples).KEYWARDEN_APPROVER_KEYS, '', 'unset on the host: no registry');
    assert.equal(approverRegistryFromEnv(containerEnv(worker, samples)), undefined);

    const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-approver-keys-'));
    try {
      const hostFile = path.join(dir, 'approver-keys.yaml');
      const publicKey = publicKeyOf(randomBytes(32));
      writeFileSync(hostFile, `approvers:\n  alice@example.com: ${publicKey}\n`);
      const shell = { ...samples, KEYWARDEN_APPROVER_KEYS_FILE: hostFile };
      const [source, target, mode] = interpolate(mount, shell).split(':');
      assert.equal(source, hostFile);
      assert.equal(mode, 'ro', 'mounted read-only');
      assert.equal(
        containerEnv(worker, shell).KEYWARDEN_APPROVER_KEYS,
        target,
        'the variable names the mount',
      );
      // The worker reads the file the mount puts at `target`: here, the host file itself.
      const registry = approverRegistryFromEnv({ KEYWARDEN_APPROVER_KEYS: source });
      assert.deepEqual(registry?.publicKeys, { 'alice@example.com': publicKey });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no AWS secret has a value in the file: credentials come from the shell or a mounted profile', () => {
    const worker = service('keywarden-worker').environment ?? {};
    for (const variable of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      assert.equal(worker[variable], `\${${variable}:-}`, `${variable} is passed through, not written down`);
    assert.ok((service('keywarden-worker').volumes ?? []).some((v) => v.endsWith(':/home/node/.aws:ro')));
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(paths.root, 'Dockerfile'), 'utf8');
  const instructions = text
    .split('\n')
    .filter((line) => /^[A-Z]+\s/.test(line))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword, args: rest.join(' ') };
    });
  const stages = instructions.filter((i) => i.keyword === 'FROM');
  const jsonArgs = (keyword: string): string[] => {
    const found = instructions.filter((i) => i.keyword === keyword).at(-1);
    assert.ok(found, `the Dockerfile has ${keyword}`);
    return JSON.parse(found.args) as string[];
  };

  test('is multi-stage from a pinned image, and its runtime stage installs production dependencies only, as a non-root user', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    for (const stage of stages) assert.match(stage.args, /^node:\d+\.\d+\.\d+-[a-z]+-slim( AS \w+)?$/);
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(runtime, /RUN npm ci --omit=dev/);
    assert.match(runtime, /COPY --from=build \/app\/dist \.\/dist/);
    assert.doesNotMatch(runtime, /COPY (\.|test|node_modules) /, 'only the built output goes in');
    assert.match(runtime, /\nUSER node\n/);
    assert.match(
      runtime,
      /\nENV MALLOC_ARENA_MAX=2\n/,
      'two allocator arenas, as the memory figures were measured',
    );
    assert.doesNotMatch(
      text,
      /AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)|TEMPORAL_API_KEY|WEBHOOK_SECRET/,
    );
  });

  test('copies only sources that exist', () => {
    for (const { args } of instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = args.split(/\s+/).slice(0, -1);
      for (const source of sources) assert.ok(existsSync(path.join(paths.root, source)), `COPY ${source}`);
    }
  });

  test('its entry point and the commands compose runs exist in the build', () => {
    const entrypoint = jsonArgs('ENTRYPOINT');
    assert.deepEqual(entrypoint.slice(0, 1), ['node']);
    const script = entrypoint[1] ?? '';
    assert.ok(existsSync(path.join(paths.root, script)), `${script} exists`);
    const loads = /path\.join\(__dirname, '\.\.', 'dist', 'client', 'cli\.js'\)/.test(
      readFileSync(path.join(paths.root, script), 'utf8'),
    );
    assert.ok(loads, `${script} loads dist/client/cli.js`);
    assert.ok(existsSync(path.join(paths.root, 'dist', 'client', 'cli.js')), 'dist/client/cli.js is built');

    const commands = new Set(buildProgram().commands.map((c) => c.name()));
    const run = [jsonArgs('CMD'), ...Object.keys(READERS).map((name) => service(name).command ?? [])].filter(
      (args) => args.length > 0,
    );
    for (const args of run) assert.ok(commands.has(args[0] ?? ''), `keywarden ${args[0]} is a command`);
    const setup = service('keywarden-setup').entrypoint?.join(' ') ?? '';
    assert.match(setup, new RegExp(`node ${script.replace('.', '\\.')} setup`));
    assert.ok(commands.has('setup'));
  });
});
