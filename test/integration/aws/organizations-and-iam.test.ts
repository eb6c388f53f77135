import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from '@aws-sdk/client-organizations';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { roleSessionName } from '../../../domain/session-name';
import { resolveAccountsInScope, type AccountScope } from '../../../activities/aws/account-scope';
import type { AwsEnvironment } from '../../../activities/aws/aws-config';
import { AwsClients } from '../../../activities/aws/clients';
import { toActivityFailure } from '../../../activities/aws/errors';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { SdkOrganizationsGateway } from '../../../activities/aws/organizations-gateway';
import { SdkSecretsGateway } from '../../../activities/aws/secrets-gateway';
import { callerIdentity, verifyKeyWorks } from '../../../activities/aws/sts-gateway';
import { STACK_ENV } from '../../harness/stack-env';

const endpoint = process.env['AWS_ENDPOINT_URL'] ?? process.env[STACK_ENV.awsEndpoint];
const skip = endpoint ? false : 'set AWS_ENDPOINT_URL to an AWS emulator (moto server) to run these tests';

const ROLE = 'OrganizationAccountAccessRole';
const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

interface Org {
  managementAccountId: string;
  rootId: string;
  ous: Record<'Prod' | 'Payments' | 'Dev' | 'Sandbox', string>;
  accounts: Record<'prod1' | 'pay1' | 'pay2Closed' | 'dev1' | 'sandbox1', string>;
}

async function createAccount(
  org: OrganizationsClient,
  name: string,
  parentId: string,
  rootId: string,
): Promise<string> {
  const created = await org.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, RoleName: ROLE }),
  );
  let status = created.CreateAccountStatus;
  for (let i = 0; status?.State === 'IN_PROGRESS' && i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id })))
      .CreateAccountStatus;
  }
  const accountId = status?.AccountId;
  assert.ok(status?.State === 'SUCCEEDED' && accountId, `account ${name} was not created`);
  await org.send(
    new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: parentId }),
  );
  return accountId;
}

async function createOrg(org: OrganizationsClient): Promise<Org> {
  const created = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const managementAccountId = created.Organization?.MasterAccountId ?? '';
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const ou = async (name: string, parentId: string) =>
    (await org.send(new CreateOrganizationalUnitCommand({ Name: name, ParentId: parentId })))
      .OrganizationalUnit?.Id ?? '';
  const Prod = await ou('Prod', rootId);
  const Payments = await ou('Payments', Prod);
  const Dev = await ou('Dev', rootId);
  const Sandbox = await ou('Sandbox', rootId);
  const accounts = {
    prod1: await createAccount(org, 'prod-1', Prod, rootId),
    pay1: await createAccount(org, 'payments-1', Payments, rootId),
    pay2Closed: await createAccount(org, 'payments-2', Payments, rootId),
    dev1: await createAccount(org, 'dev-1', Dev, rootId),
    sandbox1: await createAccount(org, 'sandbox-1', Sandbox, rootId),
  };
  await org.send(new CloseAccountCommand({ AccountId: accounts.pay2Closed }));
  return { managementAccountId, rootId, ous: { Prod, Payments, Dev, Sandbox }, accounts };
}

describe('AWS gateways against a real emulator endpoint', { skip }, () => {
  const env: AwsEnvironment = {
    region: 'us-east-1',
    endpoint: endpoint ?? '',
    baseCredentials: () => Promise.resolve(TEST_CREDENTIALS),
  };
  let aws: AwsClients;
  let org: Org;
  const member = (accountId: string) =>
    aws.member({ accountId, roleName: ROLE, sessionName: roleSessionName('it-aws/gateways') });

  before(async () => {
    // The emulator's state is global to the server: start from nothing.
    const reset = await fetch(new URL('/moto-api/reset', endpoint), { method: 'POST' });
    assert.equal(reset.status, 200);
    aws = new AwsClients(env);
    org = await createOrg(aws.management().organizations);
  });
  after(() => aws?.destroy());

  describe('resolveAccountsInScope', () => {
    const none: AccountScope = {
      allAccounts: false,
      includeOus: [],
      excludeOus: [],
      includeAccounts: [],
      excludeAccounts: [],
    };
    const resolve = async (scope: Partial<AccountScope>) =>
      resolveAccountsInScope(new SdkOrganizationsGateway(aws.management().organizations, { pageSize: 2 }), {
        ...none,
        ...scope,
      });
    const ids = async (scope: Partial<AccountScope>) => (await resolve(scope)).map((a) => a.accountId);
    const sorted = (...list: string[]) => [...list].sort();

    test('all accounts: the ACTIVE ones (management included), the closed one left out', async () => {
      const { prod1, pay1, dev1, sandbox1 } = org.accounts;
      assert.deepEqual(
        await ids({ allAccounts: true }),
        sorted(org.managementAccountId, prod1, pay1, dev1, sandbox1),
      );
    });

    test('each account is annotated with its direct parent OU', async () => {
      const accounts = await resolve({ allAccounts: true });
      const pay1 = accounts.find((a) => a.accountId === org.accounts.pay1);
      assert.equal(pay1?.ouId, org.ous.Payments);
      assert.equal(pay1?.ouName, 'Payments');
      assert.equal(pay1?.name, 'payments-1');
      assert.equal(accounts.find((a) => a.accountId === org.managementAccountId)?.ouId, org.rootId);
    });

    test('an OU by name or by ID includes its nested OUs', async () => {
      const expected = sorted(org.accounts.prod1, org.accounts.pay1);
      assert.deepEqual(await ids({ includeOus: ['Prod'] }), expected);
      assert.deepEqual(await ids({ includeOus: [org.ous.Prod] }), expected);
      assert.deepEqual(await ids({ includeOus: ['Root/Prod/Payments'] }), [org.accounts.pay1]);
    });

    test('excluded OUs (recursively) and accounts are left out', async () => {
      assert.deepEqual(
        await ids({ allAccounts: true, excludeOus: ['Prod'], excludeAccounts: [org.managementAccountId] }),
        sorted(org.accounts.dev1, org.accounts.sandbox1),
      );
      assert.deepEqual(await ids({ includeOus: ['Prod'], excludeOus: [org.ous.Payments] }), [
        org.accounts.prod1,
      ]);
      assert.deepEqual(
        await ids({ includeOus: ['Dev'], includeAccounts: [org.accounts.sandbox1, org.accounts.pay2Closed] }),
        sorted(org.accounts.dev1, org.accounts.sandbox1),
      );
    });

    test('an unknown OU or account is a clear non-retryable error', async () => {
      await assert.rejects(resolve({ includeOus: ['Production'] }), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.nonRetryable, true);
        assert.equal(err.type, 'InvalidSpec');
        assert.match(err.message, /"Production"/);
        assert.match(err.message, /"Dev", "Payments", "Prod", "Root", "Sandbox"/);
        return true;
      });
      await assert.rejects(resolve({ includeOus: ['ou-abcd-12345678'] }), /not in this organization/);
      await assert.rejects(resolve({ includeAccounts: ['999999999999'] }), /999999999999.*not a member/);
    });

    test('the gateway lists OUs with their paths', async () => {
      const ous = await new SdkOrganizationsGateway(aws.management().organizations).listOusRecursive();
      assert.deepEqual(ous.map((o) => o.path).sort(), [
        'Root/Dev',
        'Root/Prod',
        'Root/Prod/Payments',
        'Root/Sandbox',
      ]);
      assert.equal(ous.find((o) => o.name === 'Payments')?.parentId, org.ous.Prod);
    });
  });

  describe('member accounts', () => {
    test('a user created through the member clients lands in the member account, not the management one', async () => {
      const { iam, sts } = member(org.accounts.prod1);
      const identity = await callerIdentity(sts);
      assert.equal(identity.account, org.accounts.prod1);
      assert.match(identity.arn, /assumed-role\/OrganizationAccountAccessRole\/keywarden-it-aws-gateways$/);

      await iam.send(new CreateUserCommand({ UserName: 'placement-check' }));
      const memberIam = new SdkIamGateway(iam);
      const managementIam = new SdkIamGateway(aws.management().iam);
      const user = await memberIam.getUser('placement-check');
      assert.ok(user);
      assert.match(user.arn, new RegExp(`^arn:aws:iam::${org.accounts.prod1}:user/placement-check$`));
      assert.equal(await managementIam.getUser('placement-check'), undefined);
      assert.equal(
        await new SdkIamGateway(member(org.accounts.dev1).iam).getUser('placement-check'),
        undefined,
      );
      assert.ok(await memberIam.deleteUser('placement-check'));
      assert.equal(await memberIam.deleteUser('placement-check'), false, 'deleting twice is not an error');
    });

    test('paginated inventory returns every user with keys, last use, tags and groups', async () => {
      const { iam } = member(org.accounts.dev1);
      await iam.send(new CreateGroupCommand({ GroupName: 'developers' }));
      await iam.send(new CreateGroupCommand({ GroupName: 'keywarden-exempt' }));
      const gw = new SdkIamGateway(iam, { pageSize: 1 });
      for (let i = 0; i < 5; i++) {
        const userName = `user-${i}`;
        await iam.send(
          new CreateUserCommand({
            UserName: userName,
            Path: i === 4 ? '/service/' : '/',
            Tags: [{ Key: 'email', Value: `${userName}@example.com` }],
          }),
        );
        await iam.send(
          new TagUserCommand({
            UserName: userName,
            Tags: [
              { Key: 'team', Value: 'platform' },
              { Key: 'index', Value: String(i) },
            ],
          }),
        );
        await gw.addUserToGroup(userName, 'developers');
        if (i % 2 === 0) await gw.addUserToGroup(userName, 'keywarden-exempt');
        for (let k = 0; k < i % 3; k++) await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      }

      const facts = await gw.inventoryUsers(org.accounts.dev1, 2);
      assert.deepEqual(
        facts.map((f) => f.userName),
        ['user-0', 'user-1', 'user-2', 'user-3', 'user-4'],
      );
      for (const [i, f] of facts.entries()) {
        assert.equal(f.accountId, org.accounts.dev1);
        assert.deepEqual(f.tags, { email: `user-${i}@example.com`, team: 'platform', index: String(i) });
        assert.deepEqual(f.groups.sort(), i % 2 === 0 ? ['developers', 'keywarden-exempt'] : ['developers']);
        assert.equal(f.keys.length, i % 3);
        for (const key of f.keys) {
          assert.match(key.accessKeyId, /^AKIA/);
          assert.equal(key.status, 'Active');
          assert.ok(!Number.isNaN(Date.parse(key.createDate)));
          assert.ok(!('secretAccessKey' in key));
        }
      }
      assert.equal(facts[4]?.path, '/service/');
      assert.match(facts[0]?.arn ?? '', new RegExp(`^arn:aws:iam::${org.accounts.dev1}:user/user-0$`));
    });

    test('key lifecycle: create, verify with STS, deactivate, delete (idempotent)', async () => {
      const { iam } = member(org.accounts.sandbox1);
      const gw = new SdkIamGateway(iam);
      await iam.send(new CreateUserCommand({ UserName: 'rotating' }));
      const key = await gw.createAccessKey('rotating');
      assert.match(key.accessKeyId, /^AKIA/);
      assert.equal(key.secretAccessKey.length, 40);

      const verified = await verifyKeyWorks(key, env);
      assert.equal(verified.account, org.accounts.sandbox1);
      assert.equal(verified.arn, `arn:aws:iam::${org.accounts.sandbox1}:user/rotating`);

      await gw.updateAccessKeyStatus('rotating', key.accessKeyId, 'Inactive');
      assert.deepEqual(
        (await gw.listAccessKeys('rotating')).map((k) => [k.accessKeyId, k.status]),
        [[key.accessKeyId, 'Inactive']],
      );
      const lastUse = await gw.getAccessKeyLastUsed(key.accessKeyId);
      assert.equal(lastUse.lastUsedService === 'N/A', false);
      assert.equal(await gw.deleteAccessKey('rotating', key.accessKeyId), true);
      assert.equal(await gw.deleteAccessKey('rotating', key.accessKeyId), false);
      assert.deepEqual(await gw.listAccessKeys('rotating'), []);
    });

    test('offboarding building blocks: login profile, inline and managed policies, groups', async () => {
      const { iam } = member(org.accounts.sandbox1);
      const gw = new SdkIamGateway(iam);
      await iam.send(new CreateUserCommand({ UserName: 'leaver' }));
      assert.equal(await gw.getLoginProfile('leaver'), undefined);
      await iam.send(new CreateLoginProfileCommand({ UserName: 'leaver', Password: 'Correct-Horse-1!' }));
      assert.ok(await gw.getLoginProfile('leaver'));
      assert.equal(await gw.deleteLoginProfile('leaver'), true);
      assert.equal(await gw.deleteLoginProfile('leaver'), false);

      const deny = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
      });
      await gw.putUserPolicy('leaver', 'keywarden-deny-all', deny);
      assert.deepEqual(await gw.listUserPolicies('leaver'), ['keywarden-deny-all']);
      assert.deepEqual(
        JSON.parse((await gw.getUserPolicy('leaver', 'keywarden-deny-all')) ?? 'null'),
        JSON.parse(deny),
      );
      assert.equal(await gw.deleteUserPolicy('leaver', 'keywarden-deny-all'), true);
      assert.equal(await gw.getUserPolicy('leaver', 'keywarden-deny-all'), undefined);

      const policyArn =
        (await iam.send(new CreatePolicyCommand({ PolicyName: 'read-only', PolicyDocument: deny }))).Policy
          ?.Arn ?? '';
      await gw.attachUserPolicy('leaver', policyArn);
      assert.deepEqual(await gw.listAttachedUserPolicies('leaver'), [{ policyArn, policyName: 'read-only' }]);
      assert.equal(await gw.detachUserPolicy('leaver', policyArn), true);

      await iam.send(new CreateGroupCommand({ GroupName: 'ops' }));
      await gw.addUserToGroup('leaver', 'ops');
      assert.deepEqual(await gw.listGroupsForUser('leaver'), ['ops']);
      assert.equal(await gw.removeUserFromGroup('leaver', 'ops'), true);

      assert.deepEqual(await gw.listSigningCertificates('leaver'), []);
      assert.deepEqual(await gw.listSshPublicKeys('leaver'), []);
      assert.deepEqual(await gw.listMfaDevices('leaver'), []);
      assert.equal(await gw.deleteUser('leaver'), true);
    });

    test('an API the emulator does not implement becomes a non-retryable NotImplemented failure', async (t) => {
      const { iam } = member(org.accounts.sandbox1);
      const gw = new SdkIamGateway(iam);
      await iam.send(new CreateUserCommand({ UserName: 'ssc' }));
      let failure: ApplicationFailure | undefined;
      try {
        await gw.listServiceSpecificCredentials('ssc');
      } catch (err) {
        failure = toActivityFailure(err, 'listing service-specific credentials of ssc');
      }
      if (failure === undefined) {
        t.diagnostic('this emulator implements ListServiceSpecificCredentials');
        return;
      }
      assert.equal(failure.type, 'NotImplemented');
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, /^listing service-specific credentials of ssc: NotImplemented: /);
    });

    test('a missing user is a non-retryable NoSuchEntity failure with a short message', async () => {
      const gw = new SdkIamGateway(member(org.accounts.sandbox1).iam);
      const err = await gw.listAccessKeys('nobody').then(
        () => assert.fail('expected NoSuchEntity'),
        (e: unknown) => e,
      );
      const failure = toActivityFailure(err, 'listing keys of nobody');
      assert.equal(failure.type, 'NoSuchEntity');
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, /^listing keys of nobody: NoSuchEntity: .*nobody.* \(HTTP 404\)$/);
    });
  });

  describe('secrets gateway', () => {
    test('put creates the secret (tagged), adds versions, restores AWSPREVIOUS, and deletes', async () => {
      const { secrets } = member(org.accounts.pay1);
      const gw = new SdkSecretsGateway(secrets);
      const name = 'keywarden/dev1/alice';
      assert.equal(await gw.describe(name), undefined);
      assert.equal(await gw.getCurrentValue(name), undefined);

      const v1 = await gw.putNewVersion(name, '{"v":1}');
      assert.match(v1.arn, new RegExp(`^arn:aws:secretsmanager:us-east-1:${org.accounts.pay1}:secret:`));
      const listed = await secrets.send(new ListSecretsCommand({}));
      assert.deepEqual(listed.SecretList?.[0]?.Tags, [{ Key: 'managed-by', Value: 'keywarden' }]);
      assert.deepEqual(await gw.restorePreviousVersion(name), {
        restored: false,
        reason: 'no-previous-version',
      });

      const v2 = await gw.putNewVersion(name, '{"v":2}', '00000000-0000-4000-8000-000000000002');
      assert.equal(v2.versionId, '00000000-0000-4000-8000-000000000002');
      assert.deepEqual(await gw.getCurrentValue(name), { versionId: v2.versionId, value: '{"v":2}' });
      const described = await gw.describe(name);
      const stagesOf = (id: string) => described?.versions.find((v) => v.versionId === id)?.stages;
      assert.deepEqual(stagesOf(v2.versionId), ['AWSCURRENT']);
      assert.deepEqual(stagesOf(v1.versionId), ['AWSPREVIOUS']);

      // Compensation: only while our version is current, so a retry is a no-op.
      assert.deepEqual(await gw.restorePreviousVersion(name, v2.versionId), {
        restored: true,
        fromVersionId: v2.versionId,
        toVersionId: v1.versionId,
      });
      assert.deepEqual(await gw.getCurrentValue(name), { versionId: v1.versionId, value: '{"v":1}' });
      assert.deepEqual(await gw.restorePreviousVersion(name, v2.versionId), {
        restored: false,
        reason: 'current-is-not-expected',
      });

      await gw.deleteSecret(name);
      assert.equal(await gw.describe(name), undefined);
      await gw.deleteSecret(name); // idempotent
      assert.deepEqual(await gw.restorePreviousVersion(name), {
        restored: false,
        reason: 'secret-not-found',
      });
    });

    test('secrets live in the member account they were written to', async () => {
      const name = 'keywarden/isolation';
      await new SdkSecretsGateway(member(org.accounts.prod1).secrets).putNewVersion(name, 'x');
      assert.equal(await new SdkSecretsGateway(member(org.accounts.dev1).secrets).describe(name), undefined);
    });
  });
});
