import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { awsEnvironmentFromEnv } from '../../../activities/aws/aws-config';

describe('awsEnvironmentFromEnv', () => {
  test('defaults to us-east-1 and no endpoint override', () => {
    assert.deepEqual(awsEnvironmentFromEnv({}), { region: 'us-east-1' });
    assert.deepEqual(awsEnvironmentFromEnv({ AWS_REGION: '', AWS_ENDPOINT_URL: '  ' }), {
      region: 'us-east-1',
    });
  });

  test('reads the region and a valid endpoint', () => {
    assert.deepEqual(
      awsEnvironmentFromEnv({ AWS_REGION: 'eu-west-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }),
      {
        region: 'eu-west-2',
        endpoint: 'http://127.0.0.1:5000',
      },
    );
  });

  test('a malformed endpoint is a clear error naming the variable', () => {
    assert.throws(
      () => awsEnvironmentFromEnv({ AWS_ENDPOINT_URL: 'not a url' }),
      /AWS_ENDPOINT_URL[\s\S]*http\(s\) URL/,
    );
    assert.throws(() => awsEnvironmentFromEnv({ AWS_ENDPOINT_URL: 'ftp://example.com' }), /AWS_ENDPOINT_URL/);
  });

  test('a malformed region is a clear error', () => {
    assert.throws(() => awsEnvironmentFromEnv({ AWS_REGION: 'Mars' }), /AWS_REGION[\s\S]*us-east-1/);
  });
});
