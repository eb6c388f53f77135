import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildScp,
  DEFAULT_SCP_NAME,
  ScpAttachRequestSchema,
  scpPlanDigest,
  SCP_MAX_CHARACTERS,
  type ScpDocument,
} from '../../../domain/scp';

function documentOf(input: Parameters<typeof buildScp>[0]): ScpDocument {
  const built = buildScp(input);
  assert.ok(built.ok, built.ok ? '' : built.message);
  return JSON.parse(built.text) as ScpDocument;
}

describe('the service control policy', () => {
  test("denies creating and reactivating keys to everyone but keywarden's role", () => {
    const doc = documentOf({});
    assert.equal(doc.Version, '2012-10-17');
    assert.equal(doc.Statement.length, 1);
    const [statement] = doc.Statement;
    assert.equal(statement?.Effect, 'Deny');
    assert.deepEqual(statement?.Action, ['iam:CreateAccessKey', 'iam:UpdateAccessKey']);
    assert.equal(statement?.Resource, '*');
    assert.deepEqual(statement?.Condition, {
      ArnNotLike: { 'aws:PrincipalARN': ['arn:aws:iam::*:role/KeywardenMemberRole'] },
    });
  });

  test('break-glass roles and a role with a path are exempt too; the partition is respected', () => {
    const doc = documentOf({
      keywardenRole: 'arn:aws-us-gov:iam::*:role/security/keywarden',
      breakGlassRoles: ['BreakGlass', 'arn:aws-us-gov:iam::123456789012:role/Emergency*', 'BreakGlass'],
      partition: 'aws-us-gov',
    });
    assert.deepEqual(doc.Statement[0]?.Condition.ArnNotLike['aws:PrincipalARN'], [
      'arn:aws-us-gov:iam::*:role/security/keywarden',
      'arn:aws-us-gov:iam::*:role/BreakGlass',
      'arn:aws-us-gov:iam::123456789012:role/Emergency*',
    ]);
    const built = buildScp({});
    assert.ok(built.ok && built.options.policyName === DEFAULT_SCP_NAME);
  });

  test('bad options are refused with what to fix', () => {
    const refused = (input: Parameters<typeof buildScp>[0]) => {
      const built = buildScp(input);
      assert.ok(!built.ok, JSON.stringify(input));
      return built.message;
    };
    assert.match(
      refused({ keywardenRole: 'role/with/slash' }),
      /keywardenRole: "role\/with\/slash" is neither a role name/,
    );
    assert.match(refused({ breakGlassRoles: ['*'] }), /breakGlassRoles\.0: "\*" is neither a role name/);
    assert.match(refused({ breakGlassRoles: ['arn:aws:iam::*:user/bob'] }), /role ARN pattern/);
    assert.match(refused({ policyName: 'has space' }), /policyName: a policy name is 1-128 characters/);
    assert.match(refused({ partition: 'aws-xx' as 'aws' }), /partition is one of aws, aws-cn, aws-us-gov/);
    const many = Array.from(
      { length: 50 },
      (_, i) =>
        `arn:aws:iam::123456789012:role/emergency/access/${'BreakGlass'.padEnd(60, 'x')}${String(i).padStart(4, '0')}`,
    );
    assert.match(
      refused({ breakGlassRoles: many }),
      new RegExp(`over Organizations' limit of ${SCP_MAX_CHARACTERS}`),
    );
  });

  test('an attachment request needs a real OU ID, approvers other than the initiator', () => {
    const ok = ScpAttachRequestSchema.safeParse({
      ouId: 'ou-ab12-cd34ef56',
      initiator: 'ops@example.com',
      approval: { approvers: ['sec@example.com'] },
    });
    assert.ok(ok.success);
    assert.equal(ok.data.approval.requiredApprovals, 1);
    const problem = (input: unknown) => {
      const parsed = ScpAttachRequestSchema.safeParse(input);
      assert.ok(!parsed.success);
      return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    assert.match(
      problem({ ouId: 'Prod', initiator: 'ops@example.com', approval: { approvers: ['sec@example.com'] } }),
      /ouId: an OU ID looks like ou-ab12-cd34ef56/,
    );
    assert.match(
      problem({ ouId: 'r-ab12', initiator: 'ops@example.com', approval: { approvers: ['sec@example.com'] } }),
      /ouId/,
    );
    assert.match(
      problem({
        ouId: 'ou-ab12-cd34ef56',
        initiator: 'ops@example.com',
        approval: { approvers: ['ops@example.com'] },
      }),
      /only 0 approvers other than the initiator/,
    );
    assert.match(
      problem({ ouId: 'ou-ab12-cd34ef56', initiator: 'ops@example.com', approval: { approvers: [] } }),
      /at least one approver/,
    );
  });

  test('the plan digest binds the OU, the name and the exact text', () => {
    const base = scpPlanDigest('ou-ab12-cd34ef56', 'p', '{"a":1}');
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(scpPlanDigest('ou-ab12-cd34ef56', 'p', '{"a":1}'), base);
    assert.notEqual(scpPlanDigest('ou-ab12-cd34ef57', 'p', '{"a":1}'), base);
    assert.notEqual(scpPlanDigest('ou-ab12-cd34ef56', 'q', '{"a":1}'), base);
    assert.notEqual(scpPlanDigest('ou-ab12-cd34ef56', 'p', '{"a":2}'), base);
  });
});
