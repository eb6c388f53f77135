// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `${name}/*`, `node:${name}`, `node:${name}/*`]);

export default tseslint.config(
  {
    ignores: [
      'eslint.config.mjs',
      'dist/**',
      'node_modules/**',
      '.venv/**',
      '.tools/**',
      '.keywarden/**',
      'bin/**',
      'scripts/**',
      'test/fixtures/lint/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test runs describe/test blocks itself; their returned promises are not ours to await.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic. No Node builtins, no AWS SDK.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code must be deterministic: Node builtins are not allowed in workflows/.',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*'],
              message: 'Workflow code must not call AWS: do it in an activity.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      // Locale-aware operations answer from the ICU data of the Node.js build, which differs
      // between builds and versions: a worker on another build would replay a different result.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[property.name='localeCompare'], MemberExpression[property.value='localeCompare']",
          message:
            'Workflow code must be deterministic: localeCompare depends on the ICU data of the Node.js build. Use byCodeUnits from domain/order.',
        },
        {
          selector:
            'MemberExpression[property.name=/^toLocale/], MemberExpression[property.value=/^toLocale/]',
          message:
            'Workflow code must be deterministic: toLocale* results depend on the ICU data of the Node.js build. Use toISOString or String().',
        },
        {
          selector: "Identifier[name='Intl']",
          message:
            'Workflow code must be deterministic: Intl depends on the ICU data of the Node.js build. Format in an activity or the client.',
        },
      ],
    },
  },
);
