import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { AWS_OPERATIONS } from '../../../domain/aws-permissions';
import { paths } from '../../../sandbox/project-paths';

/** The IAM service prefix of each AWS SDK client package the gateways import. */
const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-organizations': 'organizations',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-ses': 'ses',
};

/**
 * Gateway methods that no activity calls, so no policy grants them. If an activity starts
 * calling one, the recorded-operations integration test fails until the table has its row.
 */
const OFFERED_BUT_UNUSED = ['iam:AddUserToGroup', 'iam:AttachUserPolicy'];

/**
 * sts:AssumeRole is sent by the SDK's credential provider, not by a gateway; the KMS actions by
 * Secrets Manager and Parameter Store on the member role's behalf.
 */
const SENT_BY_THE_SDK = ['sts:AssumeRole', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** Every AWS operation the gateways can send: each `XCommand` and `paginateX` they import from an SDK client. */
function operationsInGateways(): Map<string, string> {
  const dir = path.join(paths.root, 'activities', 'aws');
  const found = new Map<string, string>();
  const importBlock = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z-]+)'/g;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const [, names, pkg] of source.matchAll(importBlock)) {
      const service = SERVICE_OF_PACKAGE[pkg ?? ''];
      assert.ok(service, `${file} imports ${pkg}: add its IAM service prefix to this test`);
      for (const raw of (names ?? '').split(',')) {
        const name = raw.replace(/^\s*type\s+/, '').trim();
        if (!new RegExp(`\\b${name}\\b`).test(source.replace(importBlock, ''))) continue; // imported, unused
        const operation = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (operation !== undefined) found.set(`${service}:${operation}`, file);
      }
    }
  }
  return found;
}

describe('the operation table covers the code', () => {
  const inCode = operationsInGateways();
  const inTable = new Set(AWS_OPERATIONS.map((r) => r.operation));

  test('every AWS operation a gateway sends has a row in domain/aws-permissions.ts', () => {
    assert.ok(inCode.size > 40, `found ${inCode.size} operations`);
    const missing = [...inCode]
      .filter(([operation]) => !inTable.has(operation) && !OFFERED_BUT_UNUSED.includes(operation))
      .map(([operation, file]) => `${operation} (activities/aws/${file})`);
    assert.deepEqual(missing, []);
  });

  test('every row of the table is still sent by some gateway', () => {
    const stale = [...inTable].filter((op) => !inCode.has(op) && !SENT_BY_THE_SDK.includes(op));
    assert.deepEqual(stale, []);
  });

  test('the gateway methods left out of the policies are really offered by the gateways', () => {
    for (const operation of OFFERED_BUT_UNUSED) {
      assert.ok(inCode.has(operation), operation);
      assert.ok(!inTable.has(operation), `${operation} is in the table: remove it from OFFERED_BUT_UNUSED`);
    }
  });

  test("the README's Least privilege section explains every action the policies grant", () => {
    const readme = readFileSync(path.join(paths.root, 'README.md'), 'utf8');
    const section = /\n## Least privilege\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    assert.ok(section.length > 0, 'README.md has a "## Least privilege" section');
    const actions = AWS_OPERATIONS.filter((r) => r.principal !== 'new-access-key').flatMap((r) => [
      r.operation,
      ...(r.alsoRequires ?? []),
    ]);
    const unexplained = actions.filter(
      (action) =>
        !section.includes(`\`${action.split(':')[1] ?? ''}\``) && !section.includes(`\`${action}\``),
    );
    assert.deepEqual(unexplained, [], 'add these to the table "What each permission is for"');
  });
});
