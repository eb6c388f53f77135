import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Runs against the compiled domain modules, which is what the workflow bundler sees.
const domainDir = join(__dirname, '..', '..', '..', 'domain');
// The @noble packages are pure JavaScript with no Node.js built-ins: workflows verify signatures.
const WORKFLOW_SAFE_PACKAGES = new Set([
  'zod',
  '@temporalio/common',
  '@noble/ed25519',
  '@noble/hashes/sha2.js',
  '@noble/hashes/utils.js',
]);
// Text parsing pulls in `yaml`, which requires Node's `process`: it must stay out of the workflow graph.
const EDGE_ONLY = new Set(['spec-text']);

function requiresOf(module: string): string[] {
  const source = readFileSync(join(domainDir, `${module}.js`), 'utf8');
  return [...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] ?? '');
}

const modules = readdirSync(domainDir)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -'.js'.length));

describe('domain modules are safe to import from workflow code', () => {
  test('the compiled modules are found', () => {
    assert.ok(modules.includes('campaign-spec'));
    assert.ok(modules.includes('spec-text'));
  });

  for (const module of modules.filter((m) => !EDGE_ONLY.has(m))) {
    test(`${module} only requires zod, @temporalio/common, @noble and workflow-safe domain modules`, () => {
      for (const dependency of requiresOf(module)) {
        if (dependency.startsWith('./')) {
          assert.ok(!EDGE_ONLY.has(dependency.slice(2)), `${module} imports ${dependency}`);
        } else {
          assert.ok(WORKFLOW_SAFE_PACKAGES.has(dependency), `${module} requires ${dependency}`);
        }
      }
    });
  }

  test('no module reads the clock or randomness implicitly', () => {
    for (const module of modules) {
      const source = readFileSync(join(domainDir, `${module}.js`), 'utf8');
      assert.doesNotMatch(source, /Date\.now\(|new Date\(\)|Math\.random\(/, module);
    }
  });
});
