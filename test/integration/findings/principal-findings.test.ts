import {
  CreateLoginProfileCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetAccountSummaryCommand,
} from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import { AsffDocumentSchema } from '../../../domain/asff';
import type { AccountRotationReport } from '../../../domain/rotation-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { paths } from '../../../sandbox/project-paths';
import { memberIam } from '../../support/aws-snapshot';
import { accountReports, startCampaign, testSpec, uniqueId } from '../../support/campaign-helpers';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the inventory finds console users without MFA, password-and-key users, and exports ASFF', () => {
  const stack = testStack();
  let org: SeededOrg;
  let observer: AwsClients;
  let worker: RunningWorker;
  let accountId: string;
  let campaignId: string;
  let report: AccountRotationReport;

  const keywarden = (...args: string[]) =>
    new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
        {
          cwd: paths.root,
          timeout: 120_000,
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: stack.temporalAddress,
            TEMPORAL_NAMESPACE: stack.namespace,
            KEYWARDEN_TASK_QUEUE: worker.taskQueue,
          },
        },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
        },
      );
    });

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    observer = awsClientsFor(stack, org);
    accountId = org.accounts[0]!.accountId;
    const iam = memberIam(observer, accountId);
    // grace.console signs in to the console without MFA; alice.ops has a password, MFA and a key.
    for (const userName of ['grace.console', 'alice.ops']) {
      await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Correct-Horse-9!' }));
    }
    const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice.ops' }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'alice.ops',
        SerialNumber: device.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    worker = await startTestWorker(stack, org);
    const spec = testSpec({
      id: uniqueId('findings'),
      scope: { includeAccounts: [accountId] },
      dryRun: true,
    });
    campaignId = spec.id;
    await (await startCampaign(worker.client, worker.taskQueue, spec)).result();
    report = (await accountReports(worker.client, spec.id, 1))[0]!;
  });
  after(async () => {
    await worker?.stop();
    observer?.destroy();
  });

  test('a console user without MFA and a user with a password and keys, from the credential report', () => {
    const findings = (report.findings ?? []).map(
      (f) => `${f.userName ?? 'root'} ${f.code} [${f.controls.join(', ')}]`,
    );
    assert.ok(
      findings.includes('grace.console CONSOLE_USER_WITHOUT_MFA [CIS 1.10, SecurityHub IAM.5]'),
      findings.join('\n'),
    );
    assert.ok(findings.includes('alice.ops PASSWORD_AND_ACCESS_KEYS []'), findings.join('\n'));
    // alice.ops has MFA; grace.console holds no key (she is counted, not listed, yet still found).
    assert.ok(!findings.some((f) => f.startsWith('alice.ops CONSOLE_USER_WITHOUT_MFA')));
    assert.ok(!findings.some((f) => f.startsWith('grace.console PASSWORD_AND_ACCESS_KEYS')));
    assert.ok(!report.users.some((u) => u.userName === 'grace.console'));
    assert.equal(findings.length, 2, findings.join('\n'));
  });

  test("root keys: the emulator's GetAccountSummary says none, and none are reported", async () => {
    // moto always answers AccountAccessKeysPresent = 0; present root keys are covered by the unit tests.
    const summary = await memberIam(observer, accountId).send(new GetAccountSummaryCommand({}));
    assert.equal(summary.SummaryMap?.AccountAccessKeysPresent, 0);
    assert.ok(!(report.findings ?? []).some((f) => f.code === 'ROOT_ACCESS_KEYS_PRESENT'));
  });

  test('`report --format asff` writes findings that have every ASFF required field', async () => {
    const run = await keywarden('report', campaignId, '--format', 'asff', '--region', 'us-east-1');
    assert.equal(run.code, 0, run.stderr);
    const parsed = AsffDocumentSchema.safeParse(JSON.parse(run.stdout));
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3)));
    const grace = parsed.data.find(
      (f) =>
        f.GeneratorId === 'keywarden/CONSOLE_USER_WITHOUT_MFA' &&
        f.Resources[0]?.Id.endsWith('/grace.console'),
    );
    assert.ok(grace, 'the MFA finding is exported');
    assert.equal(grace.AwsAccountId, accountId);
    assert.equal(grace.Compliance?.SecurityControlId, 'IAM.5');
    const aged = parsed.data.filter((f) => f.GeneratorId === 'keywarden/KEY_AGE_OVER_MAX');
    assert.ok(aged.length > 0 && aged.every((f) => f.Resources[0]?.Type === 'AwsIamAccessKey'));

    const md = await keywarden('report', campaignId, '--format', 'md');
    assert.equal(md.code, 0, md.stderr);
    assert.match(
      md.stdout,
      /\| grace\.console \| CONSOLE_USER_WITHOUT_MFA \| CIS 1\.10, SecurityHub IAM\.5 \|/,
    );

    const badRegion = await keywarden('report', campaignId, '--format', 'asff', '--region', 'moon-1');
    assert.equal(badRegion.code, 2);
    assert.match(badRegion.stderr, /--format asff: the region must look like eu-west-1/);
  });
});
