import { ListUsersCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AwsClients } from '../../../activities/aws/clients';
import { memberRoleArn } from '../../../activities/aws/credentials';
import { AWS_OPERATIONS } from '../../../domain/aws-permissions';
import {
  IamPolicyOptionsSchema,
  managementPolicy,
  memberPermissionPolicy,
  memberTrustPolicy,
} from '../../../domain/iam-policy';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { setMotoAuthorization } from '../../../sandbox/moto-server';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { memberIam } from '../../support/aws-snapshot';
import {
  createMemberRole,
  createWorkerUser,
  type WorkerPrincipal,
} from '../../support/least-privilege-principals';
import {
  offboard,
  rotateToTheEnd,
  rotateWithApproval,
  startOffboardingOf,
} from '../../support/permission-scenarios';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';
import {
  addEveryCredential,
  LEAVER_EMAIL,
  offboardingBody,
  waitForStatus,
} from '../offboarding/offboarding-fixtures';

const ROLE_NAME = 'KeywardenMemberRole';
const MISSING = 'iam:UpdateAccessKey';
/** The seeded users whose keys a default campaign rotates (one old key each). */
const ROTATED = ['alice.ops', 'build-bot', 'heidi.unused'];

/**
 * The emulator's authorization is global to the server: it is turned on only after everything
 * this file needs was created, and turned off again in `after` whatever happens (and by every
 * freshOrg, which resets the emulator).
 */
describe('keywarden works with nothing but the generated policies, the emulator enforcing them', () => {
  const stack = testStack();
  const externalId = `keywarden-${randomUUID()}`;
  let org: SeededOrg;
  let observer: AwsClients;
  let principal: WorkerPrincipal;
  let worker: RunningWorker;
  let workerAws: AwsClients;
  let enforced = false;
  /** Accounts whose role has the whole policy; the last account's role lacks MISSING. */
  let full: string[];
  let lacking: string;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 3 });
    observer = awsClientsFor(stack, org);
    const accounts = org.accounts.map((a) => a.accountId);
    full = accounts.slice(0, 2);
    lacking = accounts[2]!;

    const unbound = IamPolicyOptionsSchema.parse({ roleName: ROLE_NAME });
    principal = await createWorkerUser(
      observer.management().iam,
      'keywarden-worker',
      managementPolicy(unbound),
    );
    const options = IamPolicyOptionsSchema.parse({
      roleName: ROLE_NAME,
      workerPrincipal: principal.arn,
      externalId,
    });
    const trust = memberTrustPolicy(options);
    for (const accountId of full) {
      await createMemberRole(
        memberIam(observer, accountId),
        ROLE_NAME,
        trust,
        memberPermissionPolicy(options),
      );
    }
    const withoutOne = AWS_OPERATIONS.filter((row) => row.operation !== MISSING);
    await createMemberRole(
      memberIam(observer, lacking),
      ROLE_NAME,
      trust,
      memberPermissionPolicy(options, withoutOne),
    );
    // mallory (accounts 0 and 2) holds every credential type in account 0.
    await addEveryCredential(memberIam(observer, full[0]!), 'mallory');

    workerAws = new AwsClients({
      region: org.region,
      endpoint: stack.awsEndpoint,
      baseCredentials: () => Promise.resolve({ ...principal.credentials }),
    });
    worker = await startTestWorker(stack, org, { aws: workerAws });
    await setMotoAuthorization(stack.awsEndpoint, true);
    enforced = true;
  });
  after(async () => {
    try {
      if (enforced) await setMotoAuthorization(stack.awsEndpoint, false);
    } finally {
      await worker?.stop();
      workerAws?.destroy();
      observer?.destroy();
    }
  });

  const access = { roleName: ROLE_NAME, externalId };

  test('the emulator enforces identity policies, their resources, and the trust policy', async () => {
    // The seed's operator user holds no policy at all.
    await assert.rejects(observer.management().iam.send(new ListUsersCommand({})), /not authorized/);
    const sts = new STSClient({
      region: org.region,
      endpoint: stack.awsEndpoint,
      credentials: { ...principal.credentials },
    });
    try {
      const RoleArn = memberRoleArn(full[0]!, ROLE_NAME);
      await assert.rejects(
        sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'no-external-id' })),
        /not authorized/,
      );
      const assumed = await sts.send(
        new AssumeRoleCommand({ RoleArn, RoleSessionName: 'with-external-id', ExternalId: externalId }),
      );
      const { AccessKeyId, SecretAccessKey, SessionToken } = assumed.Credentials ?? {};
      assert.ok(AccessKeyId && SecretAccessKey && SessionToken);
      // Resources are checked too: the role reaches keywarden's secrets and no others.
      const secrets = new SecretsManagerClient({
        region: org.region,
        endpoint: stack.awsEndpoint,
        credentials: {
          accessKeyId: AccessKeyId,
          secretAccessKey: SecretAccessKey,
          sessionToken: SessionToken,
        },
      });
      try {
        await assert.rejects(
          secrets.send(new CreateSecretCommand({ Name: 'elsewhere/probe', SecretString: 'x' })),
          // The emulator's refusal, as AWS words it (the launcher turns moto's XML into AWS's JSON).
          {
            name: 'AccessDeniedException',
            message: /not authorized to perform: secretsmanager:CreateSecret/,
          },
        );
        await assert.rejects(
          secrets.send(new DescribeSecretCommand({ SecretId: 'keywarden/no-such-user' })),
          { name: 'ResourceNotFoundException' },
        );
      } finally {
        secrets.destroy();
      }
    } finally {
      sts.destroy();
    }
  });

  test('a rotation with approval deletes the old keys', async () => {
    const { status, reports } = await rotateWithApproval(worker, full, access);
    assert.equal(status.users.rotated, 3 * full.length, JSON.stringify(status.users));
    const rotated = reports.flatMap((r) => r.users).filter((u) => ROTATED.includes(u.userName));
    assert.equal(rotated.length, 3 * full.length);
    for (const user of rotated) {
      assert.equal(user.status, 'rotated', `${user.userName}: ${user.error ?? ''}`);
      assert.equal(user.deletedAccessKeyIds.length, 1);
    }
  });

  test('an offboarding contains the leaver and purges after approval', async () => {
    const { contained, result } = await offboard(worker, 'approve', {
      match: { tagValues: [LEAVER_EMAIL] },
      scope: { includeAccounts: full },
      access,
    });
    assert.equal(contained.containmentComplete, true);
    assert.equal(result.phase, 'completed');
    assert.deepEqual(result.users.map((u) => u.userName).sort(), ['mallory', 'mallory-admin']);
    for (const user of result.users) {
      assert.equal(user.error, undefined, user.error);
      assert.equal(user.purgeSteps.at(-1)?.status, 'done', `${user.userName} deleted`);
    }
  });

  test('an offboarding restores the user after a rejection', async () => {
    const { result } = await offboard(worker, 'reject', {
      match: { userNames: ['carol.dev'] },
      scope: { includeAccounts: [full[1]!] },
      access,
    });
    assert.equal(result.phase, 'restored');
    const [user] = result.users;
    assert.equal(user?.error, undefined, user?.error);
    assert.equal(user?.restore?.reactivatedKeyIds.length, 1);
    assert.equal(user?.restore?.policyRemoved, true);
  });

  const assertNamesMissingPermission = (message: string | undefined): void => {
    assert.ok(message, 'a failure message');
    assert.match(message, new RegExp(`missing permission ${MISSING}`));
    assert.ok(!message.includes(principal.credentials.secretAccessKey), 'no secret key in the message');
    assert.ok(!message.includes(externalId), 'no external ID in the message');
  };

  test(`without ${MISSING} a rotation stops and says which permission is missing`, async () => {
    const { reports } = await rotateToTheEnd(worker, [lacking], access);
    const users = reports.flatMap((r) => r.users).filter((u) => ROTATED.includes(u.userName));
    assert.equal(users.length, 3);
    for (const user of users) {
      assert.equal(user.status, 'needs-attention', `${user.userName}: ${user.error ?? ''}`);
      assertNamesMissingPermission(user.error);
    }
  });

  test(`without ${MISSING} containment fails and says which permission is missing`, async () => {
    const workflowId = await startOffboardingOf(
      worker,
      offboardingBody(`emp-lacking-${Date.now().toString(36)}`, {
        match: { userNames: ['mallory'] },
        scope: { includeAccounts: [lacking] },
        access,
      }),
    );
    const status: OffboardingStatus = await waitForStatus(
      worker.client,
      workflowId,
      (s) => s.users.some((u) => u.error !== undefined),
      60_000,
    );
    assert.notEqual(status.containmentComplete, true);
    assertNamesMissingPermission(status.users[0]?.error);
    await worker.client.workflow.getHandle(workflowId).terminate('test: done');
  });
});
