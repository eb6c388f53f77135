import { ESLint } from 'eslint';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { paths } from '../../../sandbox/project-paths';

const RULE = '@typescript-eslint/no-restricted-imports';

async function restrictedImportErrors(relativePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: paths.root,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === RULE,
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(paths.root, relativePath) });
  assert.ok(result, 'ESLint returned a result');
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the determinism lint of workflows/', () => {
  test('rejects a workflow that imports the AWS SDK', async () => {
    const errors = await restrictedImportErrors(
      'workflows/probe.ts',
      "import { IAMClient } from '@aws-sdk/client-iam';\nexport const c = IAMClient;\n",
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, new RegExp(`^${RULE}: .*must not call AWS`));
  });

  test('rejects a workflow that imports node:fs, and fs', async () => {
    const errors = await restrictedImportErrors(
      'workflows/probe.ts',
      "import { readFileSync } from 'node:fs';\nimport { existsSync } from 'fs';\nexport const f = [readFileSync, existsSync];\n",
    );
    assert.equal(errors.length, 2);
    for (const error of errors) assert.match(error, /Node builtins are not allowed in workflows/);
  });

  test('allows type-only imports in workflows, and the same imports outside workflows/', async () => {
    assert.deepEqual(
      await restrictedImportErrors(
        'workflows/probe.ts',
        "import type { IAMClient } from '@aws-sdk/client-iam';\nexport type C = IAMClient;\n",
      ),
      [],
    );
    assert.deepEqual(
      await restrictedImportErrors(
        'activities/probe.ts',
        "import { IAMClient } from '@aws-sdk/client-iam';\nexport const c = IAMClient;\n",
      ),
      [],
    );
  });
});
