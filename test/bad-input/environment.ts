import { randomBytes } from 'node:crypto';
import type { CliCase } from './corpus-case';

/** A usable webhook secret, new each run: the cases break something else. */
export const GOOD_WEBHOOK_SECRET = randomBytes(32).toString('hex');
const WEBHOOK = ['webhook', '--policy', '{root}/examples/webhook-policy.yaml', '--port', '0'];

const POLICY = (extra: string) =>
  'initiator: hr@example.com\napproval: { approvers: [security-lead@example.com] }\n' +
  `match: { fields: [tag:email] }\npurgeModes: [strip-credentials]\nscope: { accounts: all }\n${extra}`;

/** Temporal's connection settings, keywarden's variables, and the files they name. */
export const ENVIRONMENT_CASES: CliCase[] = [
  {
    name: 'an empty task queue',
    args: ['status', 'x'],
    env: { KEYWARDEN_TASK_QUEUE: '' },
    refusal: ['bad environment', 'KEYWARDEN_TASK_QUEUE is empty: name the task queue the workers poll'],
  },
  {
    name: 'a Web UI URL that is not one',
    args: ['status', 'x'],
    env: { TEMPORAL_UI_URL: 'localhost 8233' },
    refusal: ['TEMPORAL_UI_URL is not a URL'],
  },
  {
    name: 'a Temporal address without a port',
    args: ['status', 'x'],
    env: { TEMPORAL_ADDRESS: 'temporal internal' },
    refusal: ['TEMPORAL_ADDRESS must be host:port'],
  },
  {
    name: 'TEMPORAL_TLS neither true nor false',
    args: ['status', 'x'],
    env: { TEMPORAL_TLS: 'yes' },
    refusal: ['TEMPORAL_TLS must be true or false (or 1 or 0)'],
  },
  {
    name: 'a Temporal config file that does not exist',
    args: ['status', 'x'],
    env: { TEMPORAL_ADDRESS: undefined, TEMPORAL_CONFIG_FILE: '{dir}/temporal.toml' },
    refusal: ['temporal.toml, which does not exist: fix the path, or unset TEMPORAL_CONFIG_FILE'],
  },
  {
    name: 'a Temporal config file that is not TOML',
    args: ['status', 'x'],
    files: { 'temporal.toml': 'this is [not toml' },
    env: { TEMPORAL_ADDRESS: undefined, TEMPORAL_CONFIG_FILE: '{dir}/temporal.toml' },
    refusal: ['temporal.toml is not valid: Invalid TOML document'],
  },
  {
    name: 'a Temporal profile the config file does not have',
    args: ['status', 'x'],
    files: { 'temporal.toml': '[profile.default]\naddress = "127.0.0.1:7233"\n' },
    env: {
      TEMPORAL_ADDRESS: undefined,
      TEMPORAL_CONFIG_FILE: '{dir}/temporal.toml',
      TEMPORAL_PROFILE: 'prod',
    },
    refusal: ['TEMPORAL_PROFILE is "prod" but', 'has no [profile.prod]'],
  },
  {
    name: 'no webhook secret',
    args: WEBHOOK,
    env: { KEYWARDEN_WEBHOOK_SECRET: undefined },
    refusal: [
      'KEYWARDEN_WEBHOOK_SECRET is not set: the HR webhook needs a shared secret of at least 32 characters',
    ],
  },
  {
    name: 'a webhook secret too short to resist guessing',
    args: WEBHOOK,
    env: { KEYWARDEN_WEBHOOK_SECRET: 'hunter2-hunter2' },
    refusal: ['KEYWARDEN_WEBHOOK_SECRET is too short: it needs at least 32 characters'],
  },
  {
    name: 'a webhook secret with a trailing newline (a copy-paste accident)',
    args: WEBHOOK,
    env: { KEYWARDEN_WEBHOOK_SECRET: `${GOOD_WEBHOOK_SECRET}\n` },
    refusal: ['KEYWARDEN_WEBHOOK_SECRET starts or ends with whitespace: remove it'],
  },
  {
    name: 'a previous webhook secret equal to the current one',
    args: WEBHOOK,
    env: {
      KEYWARDEN_WEBHOOK_SECRET: GOOD_WEBHOOK_SECRET,
      KEYWARDEN_WEBHOOK_SECRET_PREVIOUS: GOOD_WEBHOOK_SECRET,
    },
    refusal: ['KEYWARDEN_WEBHOOK_SECRET_PREVIOUS is the same as KEYWARDEN_WEBHOOK_SECRET'],
  },
  {
    name: 'a previous webhook secret too short',
    args: WEBHOOK,
    env: { KEYWARDEN_WEBHOOK_SECRET: GOOD_WEBHOOK_SECRET, KEYWARDEN_WEBHOOK_SECRET_PREVIOUS: 'old' },
    refusal: ['KEYWARDEN_WEBHOOK_SECRET_PREVIOUS is too short'],
  },
  {
    name: 'a webhook policy file that does not exist',
    args: ['webhook', '--port', '0'],
    env: { KEYWARDEN_WEBHOOK_SECRET: GOOD_WEBHOOK_SECRET, KEYWARDEN_WEBHOOK_POLICY: '{dir}/policy.yaml' },
    refusal: ['policy.yaml does not exist', 'see examples/webhook-policy.yaml'],
  },
  {
    name: 'an empty webhook policy file',
    args: ['webhook', '--policy', '{dir}/policy.yaml', '--port', '0'],
    files: { 'policy.yaml': '' },
    env: { KEYWARDEN_WEBHOOK_SECRET: GOOD_WEBHOOK_SECRET },
    refusal: ['policy.yaml is empty'],
  },
  {
    name: 'a webhook policy with a misspelt field',
    args: ['webhook', '--policy', '{dir}/policy.yaml', '--port', '0'],
    files: { 'policy.yaml': POLICY('purgemode: delete-user\n') },
    env: { KEYWARDEN_WEBHOOK_SECRET: GOOD_WEBHOOK_SECRET },
    refusal: ['policy.yaml is not a valid webhook policy', 'Unrecognized key: "purgemode"'],
  },
  {
    name: 'a webhook policy whose only approver is its initiator',
    args: ['webhook', '--policy', '{dir}/policy.json', '--port', '0'],
    files: {
      'policy.json': JSON.stringify({
        initiator: 'hr@example.com',
        approval: { approvers: ['hr@example.com'] },
        match: { fields: ['tag:email'] },
        purgeModes: ['strip-credentials'],
        scope: { accounts: 'all' },
      }),
    },
    env: { KEYWARDEN_WEBHOOK_SECRET: GOOD_WEBHOOK_SECRET },
    refusal: ['policy.json is not a valid webhook policy', 'only 0 approvers other than the initiator'],
  },
  {
    name: "an approver key registry with a key that is not one (the worker's file)",
    args: ['worker'],
    files: { 'keys.yaml': 'approvers:\n  alice@example.com: not-a-key\n' },
    env: { KEYWARDEN_APPROVER_KEYS: '{dir}/keys.yaml' },
    refusal: [
      'KEYWARDEN_APPROVER_KEYS',
      'keys.yaml is not a valid approver key registry',
      'a public key is 64 hex characters',
    ],
  },
  {
    name: 'an approver key registry that does not exist',
    args: ['worker'],
    env: { KEYWARDEN_APPROVER_KEYS: '{dir}/keys.yaml' },
    refusal: ['KEYWARDEN_APPROVER_KEYS: cannot read', '(ENOENT)'],
  },
  {
    name: 'a worker allowed no activities at all',
    args: ['worker'],
    env: { KEYWARDEN_MAX_CONCURRENT_ACTIVITIES: '0' },
    refusal: ['bad worker environment', '→ at KEYWARDEN_MAX_CONCURRENT_ACTIVITIES'],
  },
];
