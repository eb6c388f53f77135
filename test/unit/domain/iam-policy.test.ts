import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { iamPolicyOutput } from '../../../client/commands/iam-policy';
import { UsageError } from '../../../client/cli-error';
import { actionsFor, AWS_OPERATIONS } from '../../../domain/aws-permissions';
import {
  IamPolicyOptionsSchema,
  managementPolicy,
  memberPermissionPolicy,
  memberRoleStackSetTemplate,
  memberTrustPolicy,
  secretArnPattern,
  type PolicyDocument,
} from '../../../domain/iam-policy';

const WORKER = 'arn:aws:iam::111122223333:role/keywarden-worker';
const EXTERNAL_ID = 'org-7f3a-keywarden';
const options = IamPolicyOptionsSchema.parse({ workerPrincipal: WORKER, externalId: EXTERNAL_ID });

const statement = (policy: PolicyDocument, sid: string) => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  assert.ok(found, `statement ${sid}`);
  return found;
};
const actionsOf = (policy: PolicyDocument): string[] =>
  policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('the operation table', () => {
  test('names each operation once, as service:Operation, with a purpose and its callers', () => {
    const names = AWS_OPERATIONS.map((r) => r.operation);
    assert.equal(new Set(names).size, names.length, 'no duplicates');
    for (const row of AWS_OPERATIONS) {
      assert.match(row.operation, /^(iam|secretsmanager|ssm|kms|organizations|sts|sqs|ses):[A-Z][A-Za-z]+$/);
      assert.ok(row.purpose.length > 0 && row.calledBy.length > 0, row.operation);
    }
  });

  test('keeps the worker to Organizations (reads, and the SCP attachment), AssumeRole, GetAccessKeyInfo, the monitor queue and notification e-mail, and the member role to IAM and the key stores', () => {
    const workerSts = ['sts:AssumeRole', 'sts:GetAccessKeyInfo'];
    assert.ok(
      actionsFor('worker').every(
        (a) =>
          a.startsWith('organizations:') ||
          workerSts.includes(a) ||
          a.startsWith('sqs:') ||
          a === 'ses:SendEmail',
      ),
    );
    const writes = AWS_OPERATIONS.filter((r) =>
      /^organizations:(Create|Attach|Update|Delete|Detach)/.test(r.operation),
    );
    assert.deepEqual(
      writes.map((r) => [r.operation, r.resource, r.calledBy.join()]),
      [
        ['organizations:CreatePolicy', 'service-control-policy', 'attachServiceControlPolicy'],
        ['organizations:AttachPolicy', 'service-control-policy', 'attachServiceControlPolicy'],
      ],
    );
    assert.ok(actionsFor('member-role').every((a) => /^(iam|secretsmanager|ssm|kms):/.test(a)));
    assert.ok(!actionsFor('member-role').some((a) => /\*/.test(a)), 'no wildcard actions');
  });
});

describe('the generated policies', () => {
  test('the member policy allows exactly the member rows, each scoped as IAM allows', () => {
    const policy = memberPermissionPolicy(options);
    assert.deepEqual(actionsOf(policy), actionsFor('member-role'));
    assert.deepEqual(statement(policy, 'AccountWideReads').Resource, ['*']);
    assert.deepEqual(statement(policy, 'AccountWideReads').Action, [
      'iam:GenerateCredentialReport',
      'iam:GetAccountAuthorizationDetails',
      'iam:GetAccountSummary',
      'iam:GetCredentialReport',
      'iam:ListUsers',
      'secretsmanager:ListSecrets',
    ]);
    assert.deepEqual(statement(policy, 'IamUsers').Resource, ['arn:aws:iam::*:user/*']);
    assert.deepEqual(statement(policy, 'KeywardenSecrets').Resource, [
      'arn:aws:secretsmanager:*:*:secret:keywarden/*',
    ]);
    assert.ok(
      (statement(policy, 'KeywardenSecrets').Action as string[]).includes('secretsmanager:TagResource'),
    );
  });

  test('an operation added to the table shows up in the policy', () => {
    const extended = [
      ...AWS_OPERATIONS,
      {
        operation: 'iam:AttachUserPolicy',
        principal: 'member-role' as const,
        resource: 'iam-user' as const,
        calledBy: ['containUser'],
        purpose: 'attach a managed deny policy',
      },
    ];
    assert.ok(actionsOf(memberPermissionPolicy(options, extended)).includes('iam:AttachUserPolicy'));
    assert.ok(!actionsOf(memberPermissionPolicy(options)).includes('iam:AttachUserPolicy'));
  });

  test('secret name templates become ARN patterns limited to their fixed prefix', () => {
    const scope = { partition: 'aws', account: '*' };
    assert.equal(
      secretArnPattern('keywarden/{accountId}/{userName}', scope),
      'arn:aws:secretsmanager:*:*:secret:keywarden/*/*',
    );
    assert.equal(
      secretArnPattern('kw/{userName}/access-key', scope),
      'arn:aws:secretsmanager:*:*:secret:kw/*/access-key-*',
    );
    const two = IamPolicyOptionsSchema.parse({ secretNameTemplates: ['a/{userName}', 'b/{userName}'] });
    assert.deepEqual(statement(memberPermissionPolicy(two), 'KeywardenSecrets').Resource, [
      'arn:aws:secretsmanager:*:*:secret:a/*',
      'arn:aws:secretsmanager:*:*:secret:b/*',
    ]);
    const refused = IamPolicyOptionsSchema.safeParse({ secretNameTemplates: ['{userName}'] });
    assert.equal(refused.success, false);
    assert.match(refused.error?.issues[0]?.message ?? '', /fixed prefix/);
  });

  test('the management policy reads the organization and assumes only the member role', () => {
    const policy = managementPolicy(
      IamPolicyOptionsSchema.parse({ roleName: 'KwRole', partition: 'aws-cn' }),
    );
    assert.deepEqual(actionsOf(policy), actionsFor('worker'));
    assert.deepEqual(statement(policy, 'AssumeMemberRole'), {
      Sid: 'AssumeMemberRole',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: ['arn:aws-cn:iam::*:role/KwRole'],
    });
    assert.deepEqual(statement(policy, 'DriftMonitorQueue'), {
      Sid: 'DriftMonitorQueue',
      Effect: 'Allow',
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Resource: ['arn:aws-cn:sqs:*:*:keywarden-monitor*'],
    });
  });

  test('the trust policy trusts the worker only with the external ID', () => {
    assert.deepEqual(memberTrustPolicy(options).Statement, [
      {
        Sid: 'KeywardenWorker',
        Effect: 'Allow',
        Principal: { AWS: WORKER },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
      },
    ]);
    assert.throws(() => memberTrustPolicy(IamPolicyOptionsSchema.parse({})), /--worker-principal/);
  });

  test('options are validated with messages that say what to fix', () => {
    const bad = IamPolicyOptionsSchema.safeParse({
      workerPrincipal: 'arn:aws:sts::111122223333:assumed-role/worker/session',
      externalId: 'x',
      roleName: 'no spaces please',
    });
    assert.equal(bad.success, false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    assert.equal(messages.length, 3);
    assert.ok(messages.some((m) => /^workerPrincipal: .*not of an assumed-role session/.test(m)));
    assert.ok(messages.some((m) => /^externalId: .*2-1224 characters/.test(m)));
    assert.ok(messages.some((m) => /^roleName: /.test(m)));
  });

  test('the StackSet template creates the role with both policies, scoped to its own account', () => {
    const template = memberRoleStackSetTemplate(options) as {
      Parameters: Record<string, { Default?: string; NoEcho?: boolean }>;
      Resources: { KeywardenMemberRole: { Type: string; Properties: Record<string, unknown> } };
    };
    assert.equal(template.Parameters['WorkerPrincipalArn']?.Default, WORKER);
    assert.equal(template.Parameters['ExternalId']?.NoEcho, true);
    const role = template.Resources.KeywardenMemberRole;
    assert.equal(role.Type, 'AWS::IAM::Role');
    assert.equal(role.Properties['RoleName'], 'KeywardenMemberRole');
    const text = JSON.stringify(role.Properties);
    assert.match(text, /"Fn::Sub":"arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:user\/\*"/);
    assert.match(text, /"sts:ExternalId":\{"Ref":"ExternalId"\}/);
    assert.match(text, /"AWS":\{"Ref":"WorkerPrincipalArn"\}/);
    const [inline] = role.Properties['Policies'] as Array<{ PolicyDocument: PolicyDocument }>;
    assert.deepEqual(actionsOf(inline!.PolicyDocument), actionsFor('member-role'));
  });
});

describe('keywarden iam-policy', () => {
  const raw = {
    document: 'all' as const,
    roleName: 'KeywardenMemberRole',
    secretNameTemplate: ['keywarden/{userName}'],
    partition: 'aws',
  };

  test('all documents need the worker principal and the external ID, and name the flags', () => {
    assert.throws(
      () => iamPolicyOutput(raw),
      (error: unknown) =>
        error instanceof UsageError && /--worker-principal <arn> and --external-id <id>/.test(error.message),
    );
    assert.equal(iamPolicyOutput({ ...raw, document: 'member-permissions' }).length, 1);
  });

  test('renders JSON policies and a YAML template that parse back to the same documents', () => {
    const docs = iamPolicyOutput({ ...raw, workerPrincipal: WORKER, externalId: EXTERNAL_ID });
    assert.deepEqual(
      docs.map((d) => d.file),
      ['member-permissions.json', 'member-trust.json', 'management.json', 'stackset.yaml'],
    );
    assert.deepEqual(JSON.parse(docs[0]!.text), memberPermissionPolicy(options));
    assert.deepEqual(JSON.parse(docs[1]!.text), memberTrustPolicy(options));
    assert.deepEqual(parse(docs[3]!.text), memberRoleStackSetTemplate(options));
    // Dates stay strings for CloudFormation's YAML reader.
    assert.match(docs[3]!.text, /AWSTemplateFormatVersion: "2010-09-09"/);
  });

  test('a bad option is a usage error naming the flag', () => {
    assert.throws(
      () => iamPolicyOutput({ ...raw, document: 'member-permissions', secretNameTemplate: ['k/{user}'] }),
      (error: unknown) => error instanceof UsageError && /^--secret-name-template #1: /.test(error.message),
    );
  });
});
