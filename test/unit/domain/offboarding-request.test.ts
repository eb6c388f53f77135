import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OffboardingRequest, OffboardingRequestInput } from '../../../domain/offboarding-request';
import { offboardingWorkflowId, parseOffboardingRequest } from '../../../domain/offboarding-request';
import { parseOffboardingRequestText } from '../../../domain/spec-text';

function minimal(overrides: Partial<OffboardingRequestInput> = {}): OffboardingRequestInput {
  return {
    employeeId: 'E12345',
    match: { tagValues: ['leaver@example.com'] },
    initiator: 'hr-system@example.com',
    approval: { approvers: ['security@example.com'] },
    ...overrides,
  };
}

function parseOk(raw: unknown): OffboardingRequest {
  const result = parseOffboardingRequest(raw);
  if (!result.ok) assert.fail(result.message);
  return result.request;
}

function parseError(raw: unknown): string {
  const result = parseOffboardingRequest(raw);
  if (result.ok) assert.fail('expected the request to be rejected');
  return result.message;
}

describe('offboarding request', () => {
  test('defaults', () => {
    assert.deepEqual(parseOk(minimal()), {
      employeeId: 'E12345',
      match: { userNames: [], tagKey: 'email', tagValues: ['leaver@example.com'] },
      scope: { excludeAccounts: [] },
      initiator: 'hr-system@example.com',
      purgeMode: 'delete-user',
      access: { roleName: 'OrganizationAccountAccessRole', region: 'us-east-1' },
      approval: {
        approvers: ['security@example.com'],
        requiredApprovals: 1,
        timeout: '24h',
        onTimeout: 'escalate',
        signatures: 'off',
        publicKeys: {},
      },
      containmentPolicyName: 'keywarden-offboarding-deny-all',
    });
  });

  test('an empty match says what to give', () => {
    const message = parseError(minimal({ match: {} }));
    assert.match(
      message,
      /match is empty: give match\.userNames or match\.tagValues \(e\.g\. the leaver's email\)/,
    );
    assert.match(message, /at match/);
    assert.equal(parseOk(minimal({ match: { userNames: ['jdoe'] } })).match.userNames[0], 'jdoe');
  });

  test('employee ids are restricted so they are safe in a workflow id', () => {
    assert.equal(parseOk(minimal({ employeeId: 'jane.doe@corp' })).employeeId, 'jane.doe@corp');
    for (const bad of ['', '-E1', 'E 1', 'E/1', 'a'.repeat(129)]) {
      assert.match(parseError(minimal({ employeeId: bad })), /at employeeId/, bad);
    }
  });

  test('strict at every level', () => {
    assert.match(parseError({ ...minimal(), purge: 'delete-user' }), /purge/);
    assert.match(parseError(minimal({ match: { userName: ['x'] } as never })), /userName[\s\S]*at match/);
    assert.match(parseError(minimal({ scope: { exclude: [] } as never })), /exclude[\s\S]*at scope/);
    assert.match(
      parseError(minimal({ approval: { approvers: ['a@x.io'], scope: 'account' } as never })),
      /scope[\s\S]*at approval/,
    );
    assert.match(parseError(minimal({ access: { roleNme: 'x' } as never })), /roleNme[\s\S]*at access/);
  });

  test('scope, purge mode, access, reason and policy name are validated', () => {
    const request = parseOk(
      minimal({
        scope: { includeAccounts: ['111122223333'], excludeAccounts: ['444455556666'] },
        purgeMode: 'strip-credentials',
        access: { roleName: 'KeywardenOffboarding', externalId: 'ext-123' },
        reason: 'left the company',
        containmentPolicyName: 'deny-everything',
      }),
    );
    assert.deepEqual(request.scope, { includeAccounts: ['111122223333'], excludeAccounts: ['444455556666'] });
    assert.equal(request.purgeMode, 'strip-credentials');
    assert.equal(request.access.externalId, 'ext-123');
    assert.match(
      parseError(minimal({ scope: { includeAccounts: ['1'] } })),
      /at scope\.includeAccounts\[0\]/,
    );
    assert.match(parseError(minimal({ purgeMode: 'nuke' as never })), /at purgeMode/);
    assert.match(parseError(minimal({ reason: 'x'.repeat(501) })), /at reason/);
    assert.match(
      parseError(minimal({ containmentPolicyName: 'no spaces allowed' })),
      /at containmentPolicyName/,
    );
  });

  test('the four-eyes cross-check applies to offboarding too', () => {
    const message = parseError(minimal({ approval: { approvers: ['HR-system@example.com'] } }));
    assert.match(
      message,
      /approval\.requiredApprovals is 1 but only 0 approvers other than the initiator are listed/,
    );
    assert.match(message, /at approval\.requiredApprovals/);
  });

  test('silence never restores a leaver: onTimeout reject (or restore) is refused, saying why', () => {
    for (const onTimeout of ['reject', 'restore']) {
      const message = parseError(
        minimal({
          approval: { approvers: ['a@x.io'], onTimeout } as unknown as OffboardingRequestInput['approval'],
        }),
      );
      assert.match(message, /approval\.onTimeout must be 'escalate' \(or left out\) for offboarding/);
      assert.match(message, /silence must never restore a leaver/);
      assert.match(message, /at approval\.onTimeout/);
    }
  });

  test('fan-out limits: optional, whole numbers within bounds, and the error names the field and its meaning', () => {
    assert.equal(parseOk(minimal()).limits, undefined, 'no limits: the workflow uses its defaults');
    assert.deepEqual(
      parseOk(minimal({ limits: { accountsInFlight: 50, usersInFlightPerAccount: 2 } })).limits,
      {
        accountsInFlight: 50,
        usersInFlightPerAccount: 2,
      },
    );
    assert.match(
      parseError(minimal({ limits: { accountsInFlight: 0 } })),
      /limits\.accountsInFlight is at least 1/,
    );
    assert.match(
      parseError(minimal({ limits: { accountsInFlight: 201 } })),
      /limits\.accountsInFlight is at most 200: accounts searched and contained at once/,
    );
    assert.match(
      parseError(minimal({ limits: { usersInFlightPerAccount: 2.5 } })),
      /limits\.usersInFlightPerAccount is a whole number from 1 to 20/,
    );
    assert.match(parseError(minimal({ limits: { accountsInFlight: '10' } } as never)), /whole number/);
    assert.match(parseError(minimal({ limits: { fanOut: 3 } } as never)), /fanOut/);
  });

  test('approval timeout is a duration', () => {
    assert.equal(
      parseOk(minimal({ approval: { approvers: ['a@x.io'], timeout: '2s', onTimeout: 'escalate' } })).approval
        .timeout,
      '2s',
    );
    assert.match(
      parseError(minimal({ approval: { approvers: ['a@x.io'], timeout: 'tomorrow' } })),
      /use a number followed by[\s\S]*at approval\.timeout/,
    );
  });

  test('text parsing', () => {
    const ok = parseOffboardingRequestText(JSON.stringify(minimal()), 'json');
    assert.equal(ok.ok, true);
    const bad = parseOffboardingRequestText('{', 'json');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.message, /^invalid JSON: /);
  });

  test('the workflow id is derived from the employee id', () => {
    assert.equal(offboardingWorkflowId('E12345'), 'offboard-E12345');
    assert.equal(offboardingWorkflowId('E12345'), offboardingWorkflowId('E12345'));
  });
});
