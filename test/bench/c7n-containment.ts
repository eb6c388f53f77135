import { CreatePolicyCommand } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { paths } from '../../sandbox/project-paths';
import { ORG_ACCESS_ROLE } from '../../sandbox/seed-org';
import { BENCH_CREDENTIALS, LEAVER } from './bench-org';
import { mapBounded } from './bounded';
import { BENCH_REGION, managementConfig, memberIam } from './member-clients';

/** c7n-org's process pool: 8 workers, the setting (its default is 4 per CPU). */
export const C7N_PROCESSES = 8;
export const c7nOrgBinary = () => path.join(paths.venv, 'bin', 'c7n-org');

/**
 * The customer-managed deny-all policy c7n attaches. c7n has no action that puts an inline policy,
 * and the emulator does not load AWS managed policies (AWSDenyAll), so the bench creates this one
 * in every member account before the clock starts, as a team would deploy it beforehand.
 */
export const C7N_DENY_POLICY_NAME = 'c7n-deny-all';

/**
 * The Cloud Custodian policy a platform team would write for a leaver: find IAM users by their
 * email tag, deactivate their keys (`remove-keys` with `disable`), attach the deny-all policy.
 */
export function containmentPolicy(): string {
  return stringify({
    policies: [
      {
        name: 'contain-leaver',
        resource: 'iam-user',
        filters: [{ type: 'value', key: 'tag:email', value: LEAVER.email }],
        actions: [
          { type: 'remove-keys', disable: true },
          {
            type: 'set-policy',
            state: 'attached',
            arn: `arn:aws:iam::{account_id}:policy/${C7N_DENY_POLICY_NAME}`,
          },
        ],
      },
    ],
  });
}

/** c7n-org's accounts file: every member account, reached through the org's member role. */
export function accountsFile(accountIds: readonly string[]): string {
  return stringify({
    accounts: accountIds.map((id) => ({
      account_id: id,
      name: `member-${id}`,
      regions: [BENCH_REGION],
      role: `arn:aws:iam::${id}:role/${ORG_ACCESS_ROLE}`,
    })),
  });
}

export interface C7nRun {
  exitCode: number;
  /** The last lines c7n-org wrote, for a run that failed. */
  tail: string;
}

/**
 * Runs `c7n-org run` over the accounts, against the emulator (boto3 honours AWS_ENDPOINT_URL),
 * with no resource cache. The accounts file is written before the clock starts: listing the org's
 * accounts is not part of c7n-org's time, while it is part of keywarden's and the SDK's.
 */
export async function containWithC7nOrg(endpoint: string, accountIds: readonly string[]): Promise<C7nRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-bench-c7n-'));
  try {
    writeFileSync(path.join(dir, 'accounts.yml'), accountsFile(accountIds));
    writeFileSync(path.join(dir, 'policy.yml'), containmentPolicy());
    mkdirSync(path.join(dir, 'cache'));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')),
    );
    const child = spawn(
      c7nOrgBinary(),
      [
        'run',
        '-c',
        path.join(dir, 'accounts.yml'),
        '-u',
        path.join(dir, 'policy.yml'),
        '-s',
        path.join(dir, 'output'),
        '-r',
        BENCH_REGION,
        '--cache-period',
        '0',
        '--cache-path',
        path.join(dir, 'cache'),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...inherited,
          AWS_ENDPOINT_URL: endpoint,
          AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
          AWS_DEFAULT_REGION: BENCH_REGION,
          C7N_ORG_PARALLEL: String(C7N_PROCESSES),
        },
      },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? 1));
    });
    return { exitCode, tail: output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates the deny-all managed policy c7n attaches, in every member account (not timed). */
export async function prepareC7nAccounts(endpoint: string, accountIds: readonly string[]): Promise<void> {
  const sts = new STSClient(managementConfig(endpoint));
  try {
    await mapBounded(accountIds, 8, async (accountId) => {
      const iam = await memberIam(sts, endpoint, accountId);
      try {
        await iam.send(
          new CreatePolicyCommand({
            PolicyName: C7N_DENY_POLICY_NAME,
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
            }),
          }),
        );
      } finally {
        iam.destroy();
      }
    });
  } finally {
    sts.destroy();
  }
}
