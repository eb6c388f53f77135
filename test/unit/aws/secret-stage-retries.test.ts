import {
  DescribeSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SdkSecretsGateway } from '../../../activities/aws/secrets-gateway';

function invalidParameter(message: string): Error {
  return Object.assign(new Error(message), { name: 'InvalidParameterException', $fault: 'client' });
}

/**
 * Secrets Manager's stages as the emulator keeps them. With `answerLost`, an UpdateSecretVersionStage
 * takes effect and is then refused as the SDK's resend of it would be: the stage has moved already.
 */
function fakeSecrets(
  stages: Record<string, string[]>,
  opts: { answerLost?: boolean; applies?: boolean } = {},
) {
  const send = (command: unknown): Promise<unknown> => {
    if (command instanceof DescribeSecretCommand) {
      return Promise.resolve({ ARN: 'arn:secret', VersionIdsToStages: structuredClone(stages) });
    }
    if (command instanceof UpdateSecretVersionStageCommand) {
      const { VersionStage: stage = '', MoveToVersionId: to, RemoveFromVersionId: from } = command.input;
      if (opts.applies !== false) {
        if (from !== undefined) stages[from] = (stages[from] ?? []).filter((s) => s !== stage);
        if (to !== undefined) stages[to] = [...(stages[to] ?? []), stage];
      }
      if (opts.answerLost) {
        return Promise.reject(invalidParameter(`Version stage ${stage} not found in version ${from ?? to}`));
      }
      return Promise.resolve({});
    }
    return Promise.reject(new Error('not faked'));
  };
  return new SdkSecretsGateway({ send } as unknown as SecretsManagerClient);
}

describe('secret stage changes whose answer was lost', () => {
  test('promoting: AWSCURRENT moved and AWSPENDING removed by the lost first try count as done', async () => {
    const stages = { old: ['AWSCURRENT'], fresh: ['AWSPENDING'] };
    const secrets = fakeSecrets(stages, { answerLost: true });
    await secrets.moveStage('keywarden/alice', 'AWSCURRENT', 'fresh');
    await secrets.removeStage('keywarden/alice', 'AWSPENDING', 'fresh');
    assert.deepEqual(stages, { old: [], fresh: ['AWSCURRENT'] });
  });

  test('a refusal that changed nothing is still an error', async () => {
    const secrets = fakeSecrets(
      { old: ['AWSCURRENT'], fresh: ['AWSPENDING'] },
      { answerLost: true, applies: false },
    );
    await assert.rejects(
      secrets.moveStage('keywarden/alice', 'AWSCURRENT', 'fresh'),
      /InvalidParameter|not found/,
    );
    await assert.rejects(secrets.removeStage('keywarden/alice', 'AWSPENDING', 'fresh'), /not found/);
  });
});
