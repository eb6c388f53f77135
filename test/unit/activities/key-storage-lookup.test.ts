import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findStoredParameters } from '../../../activities/key-storage-lookup';
import { formatKeySecret } from '../../../activities/secret-value';

const NAME = '/keywarden/111122223333/app';
const OLD = 'AKIAOLDOLDOLDOLD0001';
const NEW = 'AKIANEWNEWNEWNEW0002';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** A parameter with two versions, labelled as a promoted rotation leaves them. */
const parameters = {
  describe: (name: string) =>
    Promise.resolve(
      name === NAME
        ? {
            versions: [
              { version: 1, labels: ['previous'] },
              { version: 2, labels: ['current'] },
            ],
          }
        : undefined,
    ),
  getValue: (name: string, selector?: number | string) =>
    Promise.resolve({
      arn: `arn:aws:ssm:us-east-1:111122223333:parameter${name}`,
      version: Number(selector),
      value: formatKeySecret({ accessKeyId: selector === 1 ? OLD : NEW, secretAccessKey: SECRET }),
    }),
};

describe('findStoredParameters', () => {
  test('gives each version of an existing parameter its labels and key ID, and never the secret', async () => {
    const found = await findStoredParameters(parameters, [NAME, '/keywarden/111122223333/nobody', NAME]);
    assert.deepEqual(found, [
      {
        kind: 'parameter',
        name: NAME,
        arn: `arn:aws:ssm:us-east-1:111122223333:parameter${NAME}`,
        versions: [
          { versionId: '1', stages: ['previous'], accessKeyId: OLD },
          { versionId: '2', stages: ['current'], accessKeyId: NEW },
        ],
      },
    ]);
    assert.ok(!JSON.stringify(found).includes(SECRET));
  });
});
