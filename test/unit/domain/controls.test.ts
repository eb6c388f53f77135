import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTROLS, controlLabels } from '../../../domain/controls';
import { rootKeyFindings, userCredentialFindings, type FindingCode } from '../../../domain/findings';

describe('the controls table', () => {
  test('maps every finding to its CIS v3.0.0 recommendation and Security Hub control', () => {
    const expected: Record<FindingCode, string[]> = {
      KEY_AGE_OVER_MAX: ['CIS 1.14', 'SecurityHub IAM.3'],
      KEY_UNUSED_45_DAYS: ['CIS 1.12', 'SecurityHub IAM.22'],
      KEY_UNUSED_90_DAYS: ['SecurityHub IAM.8'],
      TWO_ACTIVE_KEYS: ['CIS 1.13'],
      KEY_CREATED_WITH_USER_UNUSED: ['CIS 1.11'],
      CONSOLE_USER_WITHOUT_MFA: ['CIS 1.10', 'SecurityHub IAM.5'],
      ROOT_ACCESS_KEYS_PRESENT: ['CIS 1.4', 'SecurityHub IAM.4'],
      PASSWORD_AND_ACCESS_KEYS: [],
      EXEMPT: [],
    };
    for (const [code, labels] of Object.entries(expected) as Array<[FindingCode, string[]]>) {
      assert.deepEqual(controlLabels(code), labels, code);
    }
    assert.deepEqual(Object.keys(CONTROLS).sort(), Object.keys(expected).sort());
  });

  test('a finding without a numbered control says which practice it follows, and every one has a title', () => {
    for (const [code, control] of Object.entries(CONTROLS)) {
      assert.ok(control.title.length > 0, code);
      assert.ok(
        control.cis !== undefined || control.securityHub !== undefined || (control.practice ?? '').length > 0,
        `${code} has neither a control nor a practice`,
      );
    }
    assert.equal(CONTROLS.ROOT_ACCESS_KEYS_PRESENT.severity, 'CRITICAL');
  });
});

describe('findings about principals', () => {
  const user = { userName: 'ann', arn: 'arn:aws:iam::111111111111:user/ann' };

  test('a console user without MFA, and a user with a password and an active key', () => {
    const codes = (facts: Parameters<typeof userCredentialFindings>[1]) =>
      userCredentialFindings('111111111111', facts).map((f) => f.code);
    assert.deepEqual(codes({ ...user, passwordEnabled: true, mfaActive: false, activeAccessKey: false }), [
      'CONSOLE_USER_WITHOUT_MFA',
    ]);
    assert.deepEqual(codes({ ...user, passwordEnabled: true, mfaActive: true, activeAccessKey: true }), [
      'PASSWORD_AND_ACCESS_KEYS',
    ]);
    assert.deepEqual(codes({ ...user, passwordEnabled: true, mfaActive: false, activeAccessKey: true }), [
      'CONSOLE_USER_WITHOUT_MFA',
      'PASSWORD_AND_ACCESS_KEYS',
    ]);
    assert.deepEqual(codes({ ...user, passwordEnabled: false, mfaActive: false, activeAccessKey: true }), []);
    // A report without the columns says nothing either way: no finding is made up.
    assert.deepEqual(codes({ ...user, activeAccessKey: true }), []);
    const [finding] = userCredentialFindings('111111111111', {
      ...user,
      passwordEnabled: true,
      mfaActive: false,
      activeAccessKey: false,
    });
    assert.deepEqual(finding, {
      accountId: '111111111111',
      principalArn: user.arn,
      userName: 'ann',
      code: 'CONSOLE_USER_WITHOUT_MFA',
      controls: ['CIS 1.10', 'SecurityHub IAM.5'],
      detail: 'user has a console password and no MFA device',
    });
  });

  test('root keys are a finding on the root user only when present', () => {
    assert.deepEqual(rootKeyFindings('222222222222', false), []);
    const [root] = rootKeyFindings('222222222222', true);
    assert.equal(root?.code, 'ROOT_ACCESS_KEYS_PRESENT');
    assert.equal(root?.principalArn, 'arn:aws:iam::222222222222:root');
    assert.equal(root?.userName, undefined);
    assert.deepEqual(root?.controls, ['CIS 1.4', 'SecurityHub IAM.4']);
  });
});
