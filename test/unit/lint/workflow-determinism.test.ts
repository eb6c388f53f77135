import { ESLint } from 'eslint';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { paths } from '../../../sandbox/project-paths';

const RULE = '@typescript-eslint/no-restricted-imports';
const SYNTAX_RULE = 'no-restricted-syntax';

/** The messages of one rule (the restricted imports unless told) for `code` linted as the file at `relativePath`. */
async function lintErrors(relativePath: string, code: string, rule = RULE): Promise<string[]> {
  const eslint = new ESLint({
    cwd: paths.root,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === rule,
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(paths.root, relativePath) });
  assert.ok(result, 'ESLint returned a result');
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the determinism lint of workflows/', () => {
  test('rejects a workflow that imports the AWS SDK', async () => {
    const errors = await lintErrors(
      'workflows/probe.ts',
      "import { IAMClient } from '@aws-sdk/client-iam';\nexport const c = IAMClient;\n",
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, new RegExp(`^${RULE}: .*must not call AWS`));
  });

  test('rejects a workflow that imports node:fs, and fs', async () => {
    const errors = await lintErrors(
      'workflows/probe.ts',
      "import { readFileSync } from 'node:fs';\nimport { existsSync } from 'fs';\nexport const f = [readFileSync, existsSync];\n",
    );
    assert.equal(errors.length, 2);
    for (const error of errors) assert.match(error, /Node builtins are not allowed in workflows/);
  });

  test('allows type-only imports in workflows, and the same imports outside workflows/', async () => {
    assert.deepEqual(
      await lintErrors(
        'workflows/probe.ts',
        "import type { IAMClient } from '@aws-sdk/client-iam';\nexport type C = IAMClient;\n",
      ),
      [],
    );
    assert.deepEqual(
      await lintErrors(
        'activities/probe.ts',
        "import { IAMClient } from '@aws-sdk/client-iam';\nexport const c = IAMClient;\n",
      ),
      [],
    );
  });

  test('rejects a workflow file that sorts with localeCompare', async () => {
    const fixture = readFileSync(
      path.join(paths.root, 'test', 'fixtures', 'lint', 'locale-workflow.ts'),
      'utf8',
    );
    const errors = await lintErrors('workflows/locale-workflow.ts', fixture, SYNTAX_RULE);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, new RegExp(`^${SYNTAX_RULE}: .*localeCompare depends on the ICU data`));
    // The same file anywhere else is fine: only workflow code is replayed.
    assert.deepEqual(await lintErrors('client/locale-workflow.ts', fixture, SYNTAX_RULE), []);
  });

  test('rejects Intl and toLocale* in workflows, and allows byCodeUnits and toISOString', async () => {
    const errors = await lintErrors(
      'workflows/probe.ts',
      [
        "export const a = new Intl.DateTimeFormat('en-US').format(new Date());",
        'export const b = (1234.5).toLocaleString();',
        'export const c = new Date().toLocaleDateString();',
        'export const d = new Date().toLocaleTimeString();',
        "export const e = 'x'['localeCompare']('y');",
        '',
      ].join('\n'),
      SYNTAX_RULE,
    );
    assert.equal(errors.length, 5, errors.join('\n'));
    assert.match(errors[0]!, /Intl depends on the ICU data/);
    for (const error of errors.slice(1, 4)) assert.match(error, /toLocale\* results depend on the ICU data/);
    assert.match(errors[4]!, /localeCompare depends on the ICU data/);
    assert.deepEqual(
      await lintErrors(
        'workflows/probe.ts',
        [
          "import { byCodeUnits } from '../domain/order';",
          "export const sorted = ['b', 'a'].sort(byCodeUnits);",
          'export const at = new Date().toISOString();',
          '',
        ].join('\n'),
        SYNTAX_RULE,
      ),
      [],
    );
  });
});
