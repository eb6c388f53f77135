import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignSpec } from '../../../domain/campaign-spec';
import {
  AccessSchema,
  CampaignSpecSchema,
  parseCampaignSpec,
  renderSecretName,
} from '../../../domain/campaign-spec';
import { parseCampaignSpecText } from '../../../domain/spec-text';
import { minimalSpec } from './fixtures';

function parseOk(raw: unknown): CampaignSpec {
  const result = parseCampaignSpec(raw);
  if (!result.ok) assert.fail(`expected a valid spec, got:\n${result.message}`);
  return result.spec;
}

function parseError(raw: unknown): string {
  const result = parseCampaignSpec(raw);
  if (result.ok) assert.fail('expected the spec to be rejected');
  return result.message;
}

describe('campaign spec: defaults', () => {
  test('a minimal spec is filled with safe defaults', () => {
    const spec = parseOk(minimalSpec());
    assert.deepEqual(spec.scope, {
      allAccounts: true,
      includeOus: [],
      excludeOus: [],
      includeAccounts: [],
      excludeAccounts: [],
    });
    assert.deepEqual(spec.access, { roleName: 'OrganizationAccountAccessRole', region: 'us-east-1' });
    assert.deepEqual(spec.policy, {
      maxKeyAgeDays: 90,
      unusedKeyDays: 45,
      inactiveKeys: 'ignore',
      unusedKeys: 'report',
      onOldKeyStillUsed: 'hold',
      exemptions: { tags: { 'keywarden:exempt': 'true' }, groups: [], accounts: [] },
    });
    assert.deepEqual(spec.destination, {
      type: 'secretsmanager',
      secretNameTemplate: 'keywarden/{userName}',
    });
    assert.deepEqual(spec.windows, { adoption: '7d', grace: '7d' });
    assert.deepEqual(spec.approval, {
      approvers: ['alice@example.com'],
      requiredApprovals: 1,
      timeout: '7d',
      onTimeout: 'reject',
      signatures: 'off',
      publicKeys: {},
      scope: 'campaign',
    });
    assert.deepEqual(spec.limits, {
      maxAccountsInFlight: 5,
      maxKeysInFlightPerAccount: 5,
      continueAsNewAfterAccounts: 500,
      continueAsNewAfterUsers: 100,
      inventoryPageSize: 100,
      accountsPerShard: 500,
    });
    assert.equal(spec.dryRun, false);
    assert.equal(spec.description, undefined);
  });

  test('partial nested objects keep the defaults of the fields they omit', () => {
    const spec = parseOk(minimalSpec({ policy: { maxKeyAgeDays: 30 }, limits: { maxAccountsInFlight: 20 } }));
    assert.equal(spec.policy.maxKeyAgeDays, 30);
    assert.equal(spec.policy.unusedKeyDays, 45);
    assert.deepEqual(spec.policy.exemptions.tags, { 'keywarden:exempt': 'true' });
    assert.equal(spec.limits.maxAccountsInFlight, 20);
    assert.equal(spec.limits.continueAsNewAfterAccounts, 500);
  });

  test('explicit exemption tags replace the default tag', () => {
    const spec = parseOk(minimalSpec({ policy: { exemptions: { tags: { team: 'legacy' } } } }));
    assert.deepEqual(spec.policy.exemptions.tags, { team: 'legacy' });
  });

  test('defaults are fresh objects: mutating one parsed spec does not leak into the next', () => {
    const first = parseOk(minimalSpec());
    first.scope.excludeAccounts.push('111122223333');
    first.policy.exemptions.groups.push('admins');
    const second = parseOk(minimalSpec());
    assert.deepEqual(second.scope.excludeAccounts, []);
    assert.deepEqual(second.policy.exemptions.groups, []);
  });

  test('parsing is deterministic', () => {
    const raw = minimalSpec({
      scope: { includeOus: ['ou-abcd-12345678'] },
      approval: { approvers: ['a@x.io', 'b@x.io'], requiredApprovals: 2 },
    });
    assert.deepEqual(parseCampaignSpec(raw), parseCampaignSpec(structuredClone(raw)));
  });

  test('the schema is exported for callers that need the raw zod schema', () => {
    assert.equal(CampaignSpecSchema.safeParse(minimalSpec()).success, true);
    assert.deepEqual(AccessSchema.parse(undefined), {
      roleName: 'OrganizationAccountAccessRole',
      region: 'us-east-1',
    });
  });
});

describe('campaign spec: errors name the field and the fix', () => {
  test('a misspelt nested key is an error naming the key and where it is', () => {
    const message = parseError(minimalSpec({ policy: { maxKeyAgeDay: 30 } as never }));
    assert.match(message, /maxKeyAgeDay/);
    assert.match(message, /at policy/);
  });

  test('misspelt keys are rejected at every level', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ scopes: { allAccounts: true } }, /scopes/],
      [{ scope: { allAccounts: true, excludeOu: [] } }, /excludeOu[\s\S]*at scope/],
      [{ access: { role: 'x' } }, /role[\s\S]*at access/],
      [{ policy: { exemptions: { tag: {} } } }, /tag[\s\S]*at policy\.exemptions/],
      [{ destination: { secretName: 'x' } }, /secretName[\s\S]*at destination/],
      [{ windows: { adopt: '1d' } }, /adopt[\s\S]*at windows/],
      [{ approval: { approvers: ['alice@example.com'], required: 1 } }, /required[\s\S]*at approval/],
      [{ limits: { maxAccounts: 1 } }, /maxAccounts[\s\S]*at limits/],
    ];
    for (const [patch, expected] of cases) {
      assert.match(parseError({ ...minimalSpec(), ...patch }), expected, JSON.stringify(patch));
    }
  });

  test('an empty scope is an error that says how to fix it', () => {
    const message = parseError(minimalSpec({ scope: {} }));
    assert.match(
      message,
      /scope is empty: set scope\.allAccounts: true, or list scope\.includeOus or scope\.includeAccounts/,
    );
    assert.match(message, /at scope/);
    assert.equal(parseCampaignSpec(minimalSpec({ scope: { includeOus: ['Engineering'] } })).ok, true);
    assert.equal(parseCampaignSpec(minimalSpec({ scope: { includeAccounts: ['012345678901'] } })).ok, true);
  });

  test('a bad account id in scope names its position', () => {
    const message = parseError(minimalSpec({ scope: { includeAccounts: ['12345'] } }));
    assert.match(message, /12 digits/);
    assert.match(message, /at scope\.includeAccounts\[0\]/);
  });

  test('required fields are reported', () => {
    const { approval: _approval, ...withoutApproval } = minimalSpec();
    assert.match(parseError(withoutApproval), /at approval/);
    const { id: _id, ...withoutId } = minimalSpec();
    assert.match(parseError(withoutId), /at id/);
    assert.match(parseError(minimalSpec({ name: '' })), /name must not be empty[\s\S]*at name/);
    assert.match(
      parseError(minimalSpec({ approval: { approvers: [] } })),
      /at least one approver[\s\S]*at approval\.approvers/,
    );
  });

  test('policy bounds', () => {
    assert.match(parseError(minimalSpec({ policy: { maxKeyAgeDays: 0 } })), /at policy\.maxKeyAgeDays/);
    assert.match(parseError(minimalSpec({ policy: { maxKeyAgeDays: 3651 } })), /at policy\.maxKeyAgeDays/);
    assert.match(parseError(minimalSpec({ policy: { maxKeyAgeDays: 90.5 } })), /at policy\.maxKeyAgeDays/);
    assert.match(parseError(minimalSpec({ policy: { unusedKeyDays: 1.5 } })), /at policy\.unusedKeyDays/);
    assert.equal(parseOk(minimalSpec({ policy: { maxKeyAgeDays: 3650 } })).policy.maxKeyAgeDays, 3650);
  });

  test('enums list the allowed values', () => {
    const message = parseError(minimalSpec({ policy: { inactiveKeys: 'delete' as never } }));
    assert.match(message, /ignore/);
    assert.match(message, /delete-after-approval/);
    assert.match(message, /at policy\.inactiveKeys/);
    assert.match(
      parseError(minimalSpec({ policy: { unusedKeys: 'disable' as never } })),
      /"report"[\s\S]*"rotate"/,
    );
  });

  test('bad durations in windows and approval explain the format', () => {
    const message = parseError(minimalSpec({ windows: { adoption: '7 days' } }));
    assert.match(message, /use a number followed by ms, s, m, h or d/);
    assert.match(message, /at windows\.adoption/);
    assert.match(
      parseError(minimalSpec({ approval: { approvers: ['alice@example.com'], timeout: '1w' } })),
      /at approval\.timeout/,
    );
    const spec = parseOk(minimalSpec({ windows: { adoption: '2s', grace: '500ms' } }));
    assert.deepEqual(spec.windows, { adoption: '2s', grace: '500ms' });
  });

  test('limits are bounded', () => {
    assert.match(
      parseError(minimalSpec({ limits: { maxAccountsInFlight: 0 } })),
      /at limits\.maxAccountsInFlight/,
    );
    assert.match(
      parseError(minimalSpec({ limits: { maxAccountsInFlight: 201 } })),
      /at limits\.maxAccountsInFlight/,
    );
    assert.match(
      parseError(minimalSpec({ limits: { maxKeysInFlightPerAccount: 51 } })),
      /at limits\.maxKeysInFlightPerAccount/,
    );
    assert.match(
      parseError(minimalSpec({ limits: { continueAsNewAfterAccounts: 0 } })),
      /at limits\.continueAsNewAfterAccounts/,
    );
  });
});

describe('campaign spec: access', () => {
  test('role name, external id and region are validated', () => {
    const spec = parseOk(
      minimalSpec({
        access: { roleName: 'KeywardenRotator', externalId: 'abc-123:x/y', region: 'eu-west-2' },
      }),
    );
    assert.deepEqual(spec.access, {
      roleName: 'KeywardenRotator',
      externalId: 'abc-123:x/y',
      region: 'eu-west-2',
    });
    assert.match(parseError(minimalSpec({ access: { roleName: 'bad role' } })), /at access\.roleName/);
    assert.match(parseError(minimalSpec({ access: { roleName: 'x'.repeat(65) } })), /at access\.roleName/);
    assert.match(
      parseError(minimalSpec({ access: { externalId: 'x' } })),
      /2-1224[\s\S]*at access\.externalId/,
    );
    assert.match(
      parseError(minimalSpec({ access: { externalId: 'x'.repeat(1225) } })),
      /at access\.externalId/,
    );
    assert.match(parseError(minimalSpec({ access: { externalId: 'has space' } })), /at access\.externalId/);
    assert.match(parseError(minimalSpec({ access: { region: 'US East' } })), /at access\.region/);
    assert.equal(
      parseOk(minimalSpec({ access: { region: 'us-gov-west-1' } })).access.region,
      'us-gov-west-1',
    );
  });
});

describe('campaign spec: approval cross-check (four eyes)', () => {
  test('requiredApprovals must not exceed the approvers other than the initiator', () => {
    const message = parseError(
      minimalSpec({
        initiator: 'alice@example.com',
        approval: { approvers: ['Alice@Example.com', 'bob@example.com'], requiredApprovals: 2 },
      }),
    );
    assert.match(
      message,
      /approval\.requiredApprovals is 2 but only 1 approvers other than the initiator are listed: add approvers or lower requiredApprovals/,
    );
    assert.match(message, /at approval\.requiredApprovals/);
  });

  test('the initiator as the only approver is rejected', () => {
    const message = parseError(
      minimalSpec({ initiator: 'alice@example.com', approval: { approvers: ['alice@example.com'] } }),
    );
    assert.match(message, /requiredApprovals is 1 but only 0 approvers/);
  });

  test('duplicate approvers (in any case) count once', () => {
    const message = parseError(
      minimalSpec({ approval: { approvers: ['bob@example.com', 'BOB@example.com '], requiredApprovals: 2 } }),
    );
    assert.match(message, /only 1 approvers/);
  });

  test('enough distinct approvers pass, and per-account scope is accepted', () => {
    const spec = parseOk(
      minimalSpec({
        initiator: 'alice@example.com',
        approval: {
          approvers: ['alice@example.com', 'bob@example.com', 'carol@example.com'],
          requiredApprovals: 2,
          onTimeout: 'escalate',
          scope: 'account',
        },
      }),
    );
    assert.equal(spec.approval.requiredApprovals, 2);
    assert.equal(spec.approval.onTimeout, 'escalate');
    assert.equal(spec.approval.scope, 'account');
  });

  test('requiredApprovals must be a positive integer', () => {
    assert.match(
      parseError(minimalSpec({ approval: { approvers: ['a@x.io'], requiredApprovals: 0 } })),
      /at approval\.requiredApprovals/,
    );
  });
});

describe('campaign spec: destination', () => {
  test('the template must contain {userName} and only known placeholders', () => {
    assert.match(
      parseError(minimalSpec({ destination: { secretNameTemplate: 'keywarden/{accountId}' } })),
      /must contain \{userName\}[\s\S]*at destination\.secretNameTemplate/,
    );
    assert.match(
      parseError(minimalSpec({ destination: { secretNameTemplate: 'keywarden/{region}/{userName}' } })),
      /unknown placeholder \{region\}: only \{userName\} and \{accountId\} are allowed/,
    );
    assert.match(
      parseError(minimalSpec({ destination: { secretNameTemplate: 'kw/{userName' } })),
      /unbalanced/,
    );
    assert.match(
      parseError(minimalSpec({ destination: { secretNameTemplate: 'kw {userName}' } })),
      /secret name may only contain/,
    );
    assert.match(parseError(minimalSpec({ destination: { type: 'ssm' as never } })), /at destination\.type/);
    const spec = parseOk(
      minimalSpec({ destination: { secretNameTemplate: 'keywarden/{accountId}/{userName}' } }),
    );
    assert.equal(spec.destination.secretNameTemplate, 'keywarden/{accountId}/{userName}');
  });

  test('renderSecretName fills every placeholder occurrence', () => {
    const values = { userName: 'ci-bot', accountId: '111122223333' };
    assert.equal(renderSecretName('keywarden/{userName}', values), 'keywarden/ci-bot');
    assert.equal(renderSecretName('kw/{accountId}/{userName}', values), 'kw/111122223333/ci-bot');
    assert.equal(renderSecretName('{userName}-{userName}', values), 'ci-bot-ci-bot');
  });
});

describe('campaign spec: text', () => {
  test('parses YAML, quoting account ids', () => {
    const yaml = [
      'id: q3',
      'name: Q3 rotation',
      'initiator: ops@example.com',
      'scope:',
      '  includeAccounts: ["012345678901"]',
      '  excludeOus: [ou-abcd-12345678]',
      'approval:',
      '  approvers: [alice@example.com]',
      'dryRun: true',
    ].join('\n');
    const result = parseCampaignSpecText(yaml, 'yaml');
    assert.equal(result.ok, true, result.ok ? '' : result.message);
    if (result.ok) {
      assert.deepEqual(result.spec.scope.includeAccounts, ['012345678901']);
      assert.equal(result.spec.dryRun, true);
    }
  });

  test('an unquoted account id in YAML loses its leading zero and the error says to quote it', () => {
    const yaml =
      'id: q3\nname: x\ninitiator: ops@example.com\nscope:\n  includeAccounts: [012345678901]\napproval:\n  approvers: [a@x.io]\n';
    const result = parseCampaignSpecText(yaml, 'yaml');
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /quote it in YAML[\s\S]*at scope\.includeAccounts\[0\]/);
  });

  test('parses JSON', () => {
    const result = parseCampaignSpecText(JSON.stringify(minimalSpec()), 'json');
    assert.equal(result.ok, true);
  });

  test('syntax errors come back as messages naming the format', () => {
    const yaml = parseCampaignSpecText('id: [unclosed', 'yaml');
    assert.equal(yaml.ok, false);
    if (!yaml.ok) assert.match(yaml.message, /^invalid YAML: /);
    const json = parseCampaignSpecText('{"id": ', 'json');
    assert.equal(json.ok, false);
    if (!json.ok) assert.match(json.message, /^invalid JSON: /);
    const dupes = parseCampaignSpecText('id: a\nid: b\n', 'yaml');
    assert.equal(dupes.ok, false);
    if (!dupes.ok) assert.match(dupes.message, /^invalid YAML: /);
  });

  test('an empty document is reported as a missing object, not a crash', () => {
    const result = parseCampaignSpecText('', 'yaml');
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /expected object/);
  });
});
