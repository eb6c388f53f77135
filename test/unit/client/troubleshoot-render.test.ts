import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { doctorLines, whoisLines, whoisReport } from '../../../client/troubleshoot/render-troubleshoot';
import type { KeyLookup } from '../../../domain/key-lookup';

const KEY = 'AKIANEWNEWNEWNEW0002';
const OLD = 'AKIAOLDOLDOLDOLD0001';

const lookup: KeyLookup = {
  accessKeyId: KEY,
  account: { accountId: '111122223333', name: 'payments', state: 'ACTIVE', ouPath: 'Root/Prod/Payments' },
  userName: 'app',
  userArn: 'arn:aws:iam::111122223333:user/app',
  userExists: true,
  key: { accessKeyId: KEY, status: 'Active', createDate: '2026-11-01T00:00:00.000Z' },
  userKeys: [{ accessKeyId: KEY, status: 'Active', createDate: '2026-11-01T00:00:00.000Z' }],
  containmentPolicies: [],
  permissionSources: ['group developers (1 policy)'],
  stored: [
    {
      kind: 'secret',
      name: 'keywarden/app',
      arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:keywarden/app-AbCdEf',
      versions: [
        { versionId: 'v2', stages: ['AWSCURRENT'], accessKeyId: KEY },
        { versionId: 'v1', stages: ['AWSPREVIOUS'], accessKeyId: OLD },
      ],
    },
  ],
};

describe('whois and doctor text', () => {
  test('whois shows only the versions that hold the key, its age, and the workflow with its link', () => {
    const report = whoisReport(
      lookup,
      {
        containedBy: [],
        lastTouched: {
          workflowId: 'rotation/111122223333/app',
          kind: 'key-rotation',
          status: 'COMPLETED',
          startTime: '2026-11-01T00:00:00.000Z',
          closeTime: '2026-11-02T00:00:00.000Z',
          link: 'http://ui/namespaces/default/workflows/rotation%2F111122223333%2Fapp',
        },
      },
      new Date('2026-11-29T12:00:00.000Z'),
    );
    assert.deepEqual(report.stored[0]?.versions, [
      { versionId: 'v2', stages: ['AWSCURRENT'], accessKeyId: KEY },
    ]);
    assert.deepEqual(whoisLines(report), [
      `key:          ${KEY}`,
      'account:      111122223333 (payments), OU Root/Prod/Payments',
      'user:         app (arn:aws:iam::111122223333:user/app)',
      'status:       Active, 28 days old (created 2026-11-01T00:00:00.000Z)',
      'last used:    never',
      'description:  (no description tag)',
      'stored in:    secret keywarden/app, version v2 (AWSCURRENT)',
      'last touched: rotation/111122223333/app (key-rotation, completed, closed 2026-11-02T00:00:00.000Z)',
      '              http://ui/namespaces/default/workflows/rotation%2F111122223333%2Fapp',
    ]);
  });

  test('doctor: one cause a line with its fix, or a clear "no cause found"', () => {
    assert.deepEqual(
      doctorLines({
        subject: { accessKeyId: KEY, accountId: '111122223333', userName: 'app' },
        causes: [{ code: 'no-keys', problem: 'app has no access key', fix: 'create one' }],
      }),
      ['no-keys: app has no access key. Fix: create one'],
    );
    const none = doctorLines({ subject: { accountId: '111122223333', userName: 'app' }, causes: [] });
    assert.match(none[0] ?? '', /^app in account 111122223333: no cause found\./);
  });
});
