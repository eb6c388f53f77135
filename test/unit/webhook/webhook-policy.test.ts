import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../../client/cli-error';
import {
  parseWebhookPolicyText,
  policyPath,
  readWebhookPolicyFile,
} from '../../../client/webhook/policy-file';
import type { WebhookPolicyInput } from '../../../domain/webhook-policy';
import { WebhookPolicySchema } from '../../../domain/webhook-policy';
import { authorizeWebhookRequest } from '../../../domain/webhook-request';

const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'examples', 'webhook-policy.yaml');

const base: WebhookPolicyInput = {
  initiator: 'hr@example.com',
  approval: { approvers: ['sec@example.com'] },
  match: { fields: ['tag:email'] },
  purgeModes: ['strip-credentials'],
  scope: { accounts: 'all' },
};

function usageError(fn: () => unknown): string {
  let message = '';
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    message = e.message;
    return true;
  });
  return message;
}

describe('the webhook policy file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-policy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the shipped example is valid, and what it says is what is loaded', () => {
    const policy = readWebhookPolicyFile(EXAMPLE);
    assert.equal(policy.initiator, 'hr-system@example.com');
    assert.deepEqual(policy.approval, {
      approvers: ['security-lead@example.com', 'it-ops-oncall@example.com'],
      requiredApprovals: 1,
      timeout: '24h',
      onTimeout: 'escalate',
      signatures: 'off',
      publicKeys: {},
    });
    assert.deepEqual(policy.match, { fields: ['tag:email'], maxValues: 5 });
    assert.deepEqual(policy.purgeModes, ['strip-credentials', 'delete-user']);
    assert.equal(policy.defaultPurgeMode, 'strip-credentials');
    assert.deepEqual(policy.scope, { accounts: 'all', excludeAccounts: ['111111111111'] });
    assert.deepEqual(policy.access, { roleName: 'OrganizationAccountAccessRole', region: 'us-east-1' });
    assert.equal(policy.containmentPolicyName, 'keywarden-offboarding-deny-all');
  });

  test('JSON works too; defaults fill in', () => {
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify(base));
    const policy = readWebhookPolicyFile(file);
    assert.equal(policy.defaultPurgeMode, 'strip-credentials', 'the first purge mode');
    assert.equal(policy.match.maxValues, 5);
    assert.equal(policy.approval.timeout, '24h');
    assert.deepEqual(policy.scope.excludeAccounts, []);
  });

  test('required: --policy or KEYWARDEN_WEBHOOK_POLICY, with a message saying how to write one', () => {
    assert.equal(policyPath('a.yaml', {}), 'a.yaml');
    assert.equal(policyPath(undefined, { KEYWARDEN_WEBHOOK_POLICY: 'b.yaml' }), 'b.yaml');
    assert.equal(policyPath('a.yaml', { KEYWARDEN_WEBHOOK_POLICY: 'b.yaml' }), 'a.yaml', 'the option wins');
    const message = usageError(() => policyPath(undefined, {}));
    assert.match(
      message,
      /^the webhook needs a policy file: give --policy <file> or set KEYWARDEN_WEBHOOK_POLICY/,
    );
    assert.match(message, /examples\/webhook-policy\.yaml/);
  });

  test('a missing, empty or unreadable file is named', () => {
    assert.match(
      usageError(() => readWebhookPolicyFile(path.join(dir, 'nope.yaml'))),
      /webhook policy file .*nope\.yaml does not exist; write one as YAML or JSON/,
    );
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '  \n');
    assert.match(
      usageError(() => readWebhookPolicyFile(empty)),
      /webhook policy file .*empty\.yaml is empty/,
    );
    assert.match(
      usageError(() => readWebhookPolicyFile(dir)),
      /is a directory/,
    );
  });

  test('every invalid field is named, with the file', () => {
    const cases: Array<[string, RegExp]> = [
      ['initiator: [', /^p\.yaml is not a valid webhook policy:\ninvalid YAML/],
      [JSON.stringify({ ...base, approval: undefined }), /→ at approval/],
      [
        JSON.stringify({ ...base, approval: { approvers: [] } }),
        /list at least one approver[\s\S]*→ at approval\.approvers/,
      ],
      [
        JSON.stringify({ ...base, approval: { approvers: ['hr@example.com'] } }),
        /only 0 approvers other than the initiator[\s\S]*→ at approval\.requiredApprovals/,
      ],
      [
        JSON.stringify({ ...base, match: { fields: ['email'] } }),
        /"userName" or "tag:<key>"[\s\S]*→ at match\.fields\[0\]/,
      ],
      [
        JSON.stringify({ ...base, match: { fields: [] } }),
        /at least one match field[\s\S]*→ at match\.fields/,
      ],
      [JSON.stringify({ ...base, purgeModes: ['shred'] }), /→ at purgeModes\[0\]/],
      [
        JSON.stringify({ ...base, defaultPurgeMode: 'delete-user' }),
        /defaultPurgeMode "delete-user" is not in purgeModes[\s\S]*→ at defaultPurgeMode/,
      ],
      [
        JSON.stringify({ ...base, scope: {} }),
        /accounts is "all" \(every account in the organization\) or a list[\s\S]*→ at scope\.accounts/,
      ],
      [
        JSON.stringify({ ...base, scope: { accounts: ['12345'] } }),
        /exactly 12 digits[\s\S]*→ at scope\.accounts\[0\]/,
      ],
      [JSON.stringify({ ...base, approvers: ['x@example.com'] }), /Unrecognized key: "approvers"/],
    ];
    for (const [text, expected] of cases) {
      assert.match(
        usageError(() => parseWebhookPolicyText(text, 'p.yaml')),
        expected,
        text,
      );
    }
  });
});

describe('a webhook request against the policy', () => {
  const policy = WebhookPolicySchema.parse({
    ...base,
    match: { fields: ['tag:email', 'tag:employee-id', 'userName'], maxValues: 3 },
    purgeModes: ['strip-credentials', 'delete-user'],
    defaultPurgeMode: 'strip-credentials',
  });
  const decide = (body: unknown) => authorizeWebhookRequest(policy, body);

  test('chooses a match field and a purge mode within the policy', () => {
    const decision = decide({
      employeeId: 'e1',
      match: { tagKey: 'Employee-ID', tagValues: ['E1'], userNames: ['jdoe'] },
      purgeMode: 'delete-user',
    });
    assert.ok(decision.ok, JSON.stringify(decision));
    assert.deepEqual(decision.request.match, {
      userNames: ['jdoe'],
      tagKey: 'employee-id',
      tagValues: ['E1'],
    });
    assert.equal(decision.request.purgeMode, 'delete-user');
    assert.equal(decision.request.initiator, 'hr@example.com');
    assert.deepEqual(decision.request.scope, { excludeAccounts: [] }, 'every account');
  });

  test('no purge mode: the policy default', () => {
    const decision = decide({ employeeId: 'e1', match: { tagKey: 'email', tagValues: ['a@example.com'] } });
    assert.ok(decision.ok);
    assert.equal(decision.request.purgeMode, 'strip-credentials');
  });

  test('with several tag fields allowed, tagKey must be given (400)', () => {
    assert.deepEqual(decide({ employeeId: 'e1', match: { tagValues: ['a@example.com'] } }), {
      ok: false,
      status: 400,
      error:
        "give match.tagKey: this server's policy allows several (allowed match fields: tag:email, tag:employee-id, userName)",
    });
  });

  test('a policy without tag fields refuses tag values (403)', () => {
    const names = WebhookPolicySchema.parse({ ...base, match: { fields: ['userName'] } });
    assert.deepEqual(authorizeWebhookRequest(names, { employeeId: 'e1', match: { tagValues: ['x'] } }), {
      ok: false,
      status: 403,
      error: "matching by tag is not allowed by this server's policy (allowed match fields: userName)",
    });
  });

  test("fan-out limits are the policy's: passed on to the offboarding, refused in a request (403)", () => {
    const limited = WebhookPolicySchema.parse({ ...base, limits: { accountsInFlight: 40 } });
    const decided = authorizeWebhookRequest(limited, {
      employeeId: 'e1',
      match: { tagValues: ['a@example.com'] },
    });
    assert.ok(decided.ok);
    assert.deepEqual(decided.request.limits, { accountsInFlight: 40 });
    const refused = authorizeWebhookRequest(limited, {
      employeeId: 'e1',
      match: { tagValues: ['a@example.com'] },
      limits: { accountsInFlight: 200 },
    });
    assert.equal(refused.ok ? 0 : refused.status, 403);
    assert.match(refused.ok ? '' : refused.error, /"limits" is set by this server's offboarding policy/);
    assert.throws(
      () => WebhookPolicySchema.parse({ ...base, limits: { accountsInFlight: 0 } }),
      /at least 1/,
    );
  });

  test('malformed requests: 400 naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /expected object/],
      [{ match: { tagKey: 'email', tagValues: ['a'] } }, /→ at employeeId/],
      [{ employeeId: 'e1', match: {} }, /match is empty[\s\S]*→ at match/],
      [{ employeeId: 'e1', match: { tagValues: ['a'] }, purgeMode: 'shred' }, /→ at purgeMode/],
      [{ employeeId: 'e1', match: { tagValues: ['a'] }, purgeMod: 'delete-user' }, /purgeMod/],
    ];
    for (const [body, expected] of cases) {
      const decision = decide(body);
      assert.equal(decision.ok, false, JSON.stringify(body));
      if (decision.ok) continue;
      assert.equal(decision.status, 400);
      assert.match(decision.error, /^invalid offboarding request: /);
      assert.match(decision.error, expected);
    }
  });
});
