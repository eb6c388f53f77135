import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { main } from '../../../client/cli';
import { accessKeyIdProblem, parseRevokeRequest, revokeWorkflowId } from '../../../domain/revoke-request';

const valid = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  reason: 'pushed to a public repository',
  initiator: 'responder@example.com',
};

describe('revoke request validation', () => {
  test('a well-formed request gets its defaults', () => {
    const parsed = parseRevokeRequest(valid);
    assert.ok(parsed.ok);
    assert.equal(parsed.request.replace, false);
    assert.equal(parsed.request.secretNameTemplate, 'keywarden/{userName}');
    assert.equal(parsed.request.access.roleName, 'OrganizationAccountAccessRole');
    assert.equal(parsed.request.approval, undefined);
    assert.equal(revokeWorkflowId(parsed.request.accessKeyId), 'revoke-AKIAIOSFODNN7EXAMPLE');
  });

  test('a temporary (ASIA) key is refused with the reason', () => {
    const problem = accessKeyIdProblem('ASIAIOSFODNN7EXAMPLE');
    assert.match(problem ?? '', /temporary \(STS\).*cannot be deactivated or deleted; it expires on its own/);
    const parsed = parseRevokeRequest({ ...valid, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' });
    assert.ok(!parsed.ok);
    assert.match(parsed.message, /accessKeyId/);
  });

  test('malformed key IDs are refused, saying what one looks like', () => {
    for (const id of [
      'AIDAIOSFODNN7EXAMPLE',
      'AKIAshort',
      'akiaiosfodnn7example',
      'AKIAIOSFODNN7EXAMPLE1',
      '',
    ]) {
      assert.match(accessKeyIdProblem(id) ?? '', /not an IAM user's access key ID: one is 20 characters/, id);
    }
  });

  test('a reason is required, and the approvers must allow four eyes', () => {
    const noReason = parseRevokeRequest({ ...valid, reason: '  ' });
    assert.ok(!noReason.ok);
    assert.match(noReason.message, /give a reason/);
    const selfApproval = parseRevokeRequest({ ...valid, approval: { approvers: ['responder@example.com'] } });
    assert.ok(!selfApproval.ok);
    assert.match(selfApproval.message, /only 0 approvers other than the initiator/);
    const noTimeoutDelete = parseRevokeRequest({
      ...valid,
      approval: { approvers: ['a@x'], onTimeout: 'escalate' },
    });
    assert.ok(!noTimeoutDelete.ok);
    assert.match(noTimeoutDelete.message, /on timeout the key stays inactive/);
  });

  test('the CLI refuses a malformed key before starting anything (exit code 2)', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      const code = await main(['node', 'keywarden', 'revoke', 'ASIAIOSFODNN7EXAMPLE', '--reason', 'leaked']);
      assert.equal(code, 2);
    } finally {
      console.error = original;
    }
    assert.match(errors.join('\n'), /nothing was started[\s\S]*temporary \(STS\)/);
  });
});
