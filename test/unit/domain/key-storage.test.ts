import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { iamPolicyOutput } from '../../../client/commands/iam-policy';
import { parseCampaignSpec } from '../../../domain/campaign-spec';
import { IamPolicyOptionsSchema, memberPermissionPolicy } from '../../../domain/iam-policy';
import {
  formatKeyDescriptionTag,
  isValidTagValue,
  parseKeyDescriptionTag,
  TAG_VALUE_MAX_LENGTH,
} from '../../../domain/key-description-tag';
import { keyDestinationFor, sagaDestination } from '../../../domain/key-destination';
import { kmsKeyPolicyStatements } from '../../../domain/kms-key-policy';
import { minimalSpec } from './fixtures';

const KMS_KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const READER = 'arn:aws:iam::111122223333:role/payments-app';
const values = { userName: 'ci-bot', accountId: '111122223333' };

function destinationError(destination: unknown): string {
  const result = parseCampaignSpec(minimalSpec({ destination } as never));
  if (result.ok) assert.fail('expected the destination to be refused');
  return result.message;
}

function destinationOk(destination: unknown) {
  const result = parseCampaignSpec(minimalSpec({ destination } as never));
  if (!result.ok) assert.fail(result.message);
  return result.spec.destination;
}

describe('the key description tag', () => {
  const description = {
    madeBy: { kind: 'campaign' as const, workflowId: 'q3-rotation' },
    created: '2026-11-29T15:00:00.000Z',
    stored: { type: 'ssm-parameter' as const, name: '/keywarden/111122223333/ci-bot' },
  };

  test('says who made the key, when, and where it is stored, and parses back', () => {
    const value = formatKeyDescriptionTag(description);
    assert.equal(
      value,
      'keywarden made-by=campaign:q3-rotation created=2026-11-29 stored=ssm-parameter:/keywarden/111122223333/ci-bot',
    );
    assert.ok(isValidTagValue(value));
    assert.deepEqual(parseKeyDescriptionTag(value), { ...description, created: '2026-11-29' });
  });

  test('characters IAM refuses in a tag value, and spaces inside a field, become "_"', () => {
    const value = formatKeyDescriptionTag({
      ...description,
      madeBy: { kind: 'revocation', workflowId: 'revoke #7 (ci)' },
    });
    assert.match(value, /made-by=revocation:revoke__7__ci_ created=/);
    assert.ok(isValidTagValue(value));
    assert.equal(parseKeyDescriptionTag(value)?.madeBy.kind, 'revocation');
  });

  test('is never longer than IAM allows', () => {
    const value = formatKeyDescriptionTag({
      ...description,
      stored: { type: 'secretsmanager', name: `keywarden/${'x'.repeat(500)}` },
    });
    assert.equal(value.length, TAG_VALUE_MAX_LENGTH);
    assert.ok(isValidTagValue(value));
  });

  test('a tag keywarden did not write is not a description', () => {
    assert.equal(parseKeyDescriptionTag('deploy key for CI'), undefined);
    assert.equal(
      parseKeyDescriptionTag('keywarden made-by=someone:x created=2026-01-01 stored=s3:b'),
      undefined,
    );
  });
});

describe('campaign spec: destination types', () => {
  test('a spec without a destination parses as before: a Secrets Manager secret per user', () => {
    assert.deepEqual(destinationOk(undefined), {
      type: 'secretsmanager',
      secretNameTemplate: 'keywarden/{userName}',
    });
  });

  test('Parameter Store with a customer-managed key', () => {
    const destination = destinationOk({ type: 'ssm-parameter', kmsKeyId: 'alias/keywarden' });
    assert.deepEqual(keyDestinationFor(destination, values), {
      type: 'ssm-parameter',
      name: '/keywarden/111122223333/ci-bot',
      kmsKeyId: 'alias/keywarden',
    });
    const custom = destinationOk({ type: 'ssm-parameter', parameterNameTemplate: '/apps/{userName}/key' });
    assert.equal(keyDestinationFor(custom, values).name, '/apps/ci-bot/key');
  });

  test('Secrets Manager with readers and a key', () => {
    const destination = destinationOk({ kmsKeyId: KMS_KEY, readers: [READER] });
    assert.deepEqual(keyDestinationFor(destination, values), {
      type: 'secretsmanager',
      name: 'keywarden/ci-bot',
      kmsKeyId: KMS_KEY,
      readers: [READER],
    });
  });

  test('mistakes are refused with what to fix', () => {
    assert.match(
      destinationError({ type: 'ssm-parameter', parameterNameTemplate: 'keywarden/{userName}' }),
      /must be a path/,
    );
    assert.match(
      destinationError({ type: 'ssm-parameter', parameterNameTemplate: '/keywarden/{accountId}' }),
      /must contain \{userName\}/,
    );
    assert.match(
      destinationError({ type: 'ssm-parameter', parameterNameTemplate: '/ssm/{userName}' }),
      /may not begin with \/aws or \/ssm/,
    );
    assert.match(
      destinationError({ type: 'ssm-parameter', parameterNameTemplate: '/kw/{userName}+x' }),
      /parameter name may only contain/,
    );
    assert.match(
      destinationError({ parameterNameTemplate: '/kw/{userName}' }),
      /needs destination\.type: ssm-parameter/,
    );
    assert.match(destinationError({ kmsKeyId: 'my key' }), /destination\.kmsKeyId is a KMS key ID/);
    assert.match(destinationError({ kmsKeyId: 'alias/aws/secretsmanager' }), /customer-managed key/);
    assert.match(
      destinationError({ readers: ['payments-app'] }),
      /IAM role ARN[\s\S]*at destination\.readers\[0\]/,
    );
    assert.match(destinationError({ type: 'ssm-parameter', extra: 1 }), /extra/);
  });

  test('a saga gets a destination only when it is not the plain Secrets Manager one', () => {
    assert.deepEqual(sagaDestination(destinationOk(undefined), values), {});
    assert.deepEqual(sagaDestination(destinationOk({ type: 'ssm-parameter' }), values), {
      destination: { type: 'ssm-parameter', name: '/keywarden/111122223333/ci-bot' },
    });
  });
});

describe('keywarden iam-policy and the key stores', () => {
  const options = IamPolicyOptionsSchema.parse({ readers: [READER] });

  test('the member policy scopes Parameter Store to keywarden parameters', () => {
    const statement = memberPermissionPolicy(options).Statement.find((s) => s.Sid === 'KeywardenParameters');
    assert.deepEqual(statement?.Resource, ['arn:aws:ssm:*:*:parameter/keywarden/*/*']);
    assert.ok(Array.isArray(statement?.Action) && statement.Action.includes('ssm:PutParameter'));
  });

  test('the KMS key policy statements: the member role through the key stores, and the readers', () => {
    const [role, readers] = kmsKeyPolicyStatements(options);
    assert.deepEqual(role?.Condition, {
      ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/KeywardenMemberRole' },
      StringLike: { 'kms:ViaService': ['secretsmanager.*.amazonaws.com', 'ssm.*.amazonaws.com'] },
    });
    assert.deepEqual(role?.Action, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    assert.deepEqual(readers?.Principal, { AWS: [READER] });
    assert.equal(readers?.Action, 'kms:Decrypt');
    assert.equal(
      kmsKeyPolicyStatements(IamPolicyOptionsSchema.parse({})).length,
      1,
      'no readers, no statement',
    );
  });

  test('the command prints them with --kms-key, and refuses a reader that is not a role ARN', () => {
    const base = {
      document: 'member-permissions' as const,
      roleName: 'KeywardenMemberRole',
      secretNameTemplate: ['keywarden/{userName}'],
      partition: 'aws',
    };
    const printed = iamPolicyOutput({ ...base, kmsKey: true, reader: [READER] });
    assert.deepEqual(
      printed.map((d) => d.name),
      ['member-permissions', 'kms-key-policy'],
    );
    assert.match(printed[1]?.text ?? '', /KeywardenReadersReadKeys/);
    assert.throws(
      () => iamPolicyOutput({ ...base, reader: ['payments-app'] }),
      /--reader #1: each of destination\.readers is an IAM role ARN/,
    );
  });
});
