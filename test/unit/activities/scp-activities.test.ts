import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScpGateway, ServiceControlPolicy } from '../../../activities/aws/organizations-gateway';
import { attachScp, describeScpTarget } from '../../../activities/scp-activities';

const OU = 'ou-ab12-cd34ef56';
const TEXT = JSON.stringify({ Version: '2012-10-17', Statement: [] }, null, 2);

/** Organizations as the attachment sees it: OUs, SCPs by name, attachments; every change recorded. */
class FakeScpGateway implements ScpGateway {
  readonly changes: string[] = [];
  readonly attachments = new Set<string>();
  constructor(
    readonly ous: Record<string, string>,
    readonly policies: ServiceControlPolicy[] = [],
  ) {}
  describeOu(ouId: string) {
    const name = this.ous[ouId];
    return Promise.resolve(name === undefined ? undefined : { id: ouId, name });
  }
  findScpByName(name: string) {
    return Promise.resolve(this.policies.find((p) => p.name === name));
  }
  createScp(name: string, _description: string, content: string) {
    const policy = {
      id: `p-${this.policies.length + 1}`,
      arn: `arn:p-${this.policies.length + 1}`,
      name,
      content,
    };
    this.policies.push(policy);
    this.changes.push(`create ${name}`);
    return Promise.resolve(policy);
  }
  attachPolicy(policyId: string, targetId: string) {
    const key = `${policyId}@${targetId}`;
    if (this.attachments.has(key)) return Promise.resolve(false);
    this.attachments.add(key);
    this.changes.push(`attach ${key}`);
    return Promise.resolve(true);
  }
}

const input = { ouId: OU, policyName: 'deny-keys', policyText: TEXT, description: 'd' };

async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('attaching the SCP', () => {
  test('creates the policy and attaches it; a second run finds both done', async () => {
    const gw = new FakeScpGateway({ [OU]: 'Prod' });
    assert.deepEqual(await attachScp(gw, input), {
      policyId: 'p-1',
      policyArn: 'arn:p-1',
      created: true,
      attached: true,
    });
    assert.deepEqual(await attachScp(gw, input), {
      policyId: 'p-1',
      policyArn: 'arn:p-1',
      created: false,
      attached: false,
    });
    assert.deepEqual(gw.changes, ['create deny-keys', `attach p-1@${OU}`]);
  });

  test('a policy of that name with the same document (reformatted) is reused', async () => {
    const existing = {
      id: 'p-9',
      arn: 'arn:p-9',
      name: 'deny-keys',
      content: JSON.stringify(JSON.parse(TEXT)),
    };
    const gw = new FakeScpGateway({ [OU]: 'Prod' }, [existing]);
    const result = await attachScp(gw, input);
    assert.equal(result.policyId, 'p-9');
    assert.deepEqual(gw.changes, [`attach p-9@${OU}`]);
  });

  test('a policy of that name with another document is refused and nothing changes', async () => {
    const other = {
      id: 'p-9',
      arn: 'arn:p-9',
      name: 'deny-keys',
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}',
    };
    const gw = new FakeScpGateway({ [OU]: 'Prod' }, [other]);
    const failure = await refusal(attachScp(gw, input));
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /exists with another document: nothing was attached/);
    assert.deepEqual(gw.changes, []);
  });

  test('an OU that does not exist is a clear non-retryable error, before anything is created', async () => {
    const gw = new FakeScpGateway({});
    const failure = await refusal(attachScp(gw, input));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'NoSuchEntity');
    assert.match(failure.message, /there is no OU ou-ab12-cd34ef56 in this organization/);
    assert.deepEqual(gw.changes, []);
    await assert.rejects(describeScpTarget(gw, OU), /there is no OU/);
  });
});
