import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { SHARED_WORKFLOW_MODULES, workflowBundleOptions } from '../../../worker/workflow-bundle-options';

// A worker evaluates the shared modules once, before any workflow, and freezes what they export
// (worker/workflow-bundle-options.ts). Two ways this can go wrong without any error: a shared
// module is not the module the workflows load (so nothing is shared), or a shared module writes
// to what it exports (so a frozen one throws inside a workflow task).

/** The SDK's freeze of preloaded modules: objects deeply, functions shallowly, failures skipped. */
const DEEP_FREEZE = `
  const deepFreeze = (object, seen = new WeakSet()) => {
    if (object == null || seen.has(object) || (typeof object !== 'object' && typeof object !== 'function')) return;
    seen.add(object);
    if (typeof object === 'object') {
      for (const name of [...Object.getOwnPropertyNames(object), ...Object.getOwnPropertySymbols(object)]) {
        try { deepFreeze(object[name], seen); } catch {}
      }
    }
    try { Object.freeze(object); } catch {}
  };`;

/**
 * Loads `shared` and every module they load, then freezes them all, as the worker does; then runs
 * `workload` and prints what it returns. (sha2.js imports utils.js, which Node does not list.)
 */
function runFrozen(shared: readonly string[], workload: string): string {
  const script = `${DEEP_FREEZE}
    const before = new Set(Object.keys(require.cache));
    for (const m of ${JSON.stringify(shared)}) require(m);
    if (${JSON.stringify(shared.length > 0)}) require('@noble/hashes/utils.js');
    for (const [file, loaded] of Object.entries(require.cache)) if (!before.has(file)) deepFreeze(loaded.exports);
    try { process.stdout.write(String((() => { ${workload} })())); }
    catch (error) { process.stdout.write('threw: ' + error.message); }`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: __dirname });
}

const modulePath = (relative: string) => JSON.stringify(require.resolve(relative));

/** What a gate does with a signed approval: judge its shape with zod, then verify its signature. */
const JUDGE_SIGNED_APPROVAL = `
  const { judgeApprove } = require(${modulePath('../../../domain/approval')});
  const { publicKeyOf } = require(${modulePath('../../../domain/approval-signature')});
  const { signedPayload } = require(${modulePath('../../../client/approval-keys')});
  const { merkleRoot, accountPlanLeaf } = require(${modulePath('../../../domain/plan-digest')});
  const secretKey = new Uint8Array(32).fill(7);
  const key = { approver: 'alice@example.com', secretKey, publicKey: publicKeyOf(secretKey) };
  const planDigest = merkleRoot([accountPlanLeaf('alice', 'AKIAEXAMPLE')]);
  const target = { workflowId: 'campaign-q3', action: 'approve', round: 1, planDigest };
  const now = Date.parse('2026-11-30T12:00:00Z');
  const policy = { approvers: ['alice@example.com'], requiredApprovals: 1, initiator: 'carol@example.com',
    signatures: 'required', publicKeys: { 'alice@example.com': key.publicKey } };
  const context = { ...target, nowMs: now };
  const good = judgeApprove(policy, [], signedPayload(key, target, 'ok', 3600000, new Date(now)), context);
  const forged = judgeApprove(policy, [], signedPayload(key, { ...target, round: 2 }, 'ok', 3600000, new Date(now)), context);
  return JSON.stringify([good.valid, forged.valid]);`;

describe('modules a worker shares between its workflows', () => {
  test('the bundle preloads each, and through them the noble modules the workflows verify with', async () => {
    const { code } = await bundleWorkflowCode({
      ...workflowBundleOptions(),
      logger: new DefaultLogger('WARN'),
    });
    const requires = (text: string) =>
      [...text.matchAll(/__webpack_require__\((?:\/\*[^*]*\*\/ )+"([^"]+)"\)/g)].map((m) => m[1]);
    const preload =
      /exports\.preloadModules = function preloadModules\(\) \{([\s\S]*?)\n\}/.exec(code)?.[1] ?? '';
    // A bare import the bundler judged free of side effects would be left as "0;".
    assert.equal(requires(preload).length, SHARED_WORKFLOW_MODULES.length, preload);
    assert.ok(requires(preload).includes('./dist/domain/ed25519-setup.js'), preload);
    // A module's definition runs from its marker to the next one.
    const body = (id: string) => {
      const start = code.indexOf(`/***/ "${id}"\n`);
      assert.ok(start >= 0, `${id} is in the bundle`);
      return code.slice(start, code.indexOf('\n/***/ "', start + 1));
    };
    const noble = requires(body('./dist/domain/approval-signature.js')).filter((id) =>
      id?.includes('@noble/'),
    );
    assert.ok(noble.length >= 2, `approval-signature imports noble: ${noble.join(', ')}`);
    const loadedWithSetup = new Set(requires(body('./dist/domain/ed25519-setup.js')));
    for (const id of noble.filter((n) => !n?.includes('/utils.js')))
      assert.ok(loadedWithSetup.has(id), `${id} is preloaded`);
  });

  test('none of them writes to what it exports: a gate judges a signed approval with them frozen', () => {
    assert.equal(runFrozen([], JUDGE_SIGNED_APPROVAL), '[true,false]', 'the workload itself');
    assert.equal(runFrozen(SHARED_WORKFLOW_MODULES, JUDGE_SIGNED_APPROVAL), '[true,false]');
  });

  test('the check bites: zod, frozen, throws when it checks a string', () => {
    const emailCheck = `return require('zod').z.email().safeParse('alice@example.com').success;`;
    assert.equal(runFrozen([], emailCheck), 'true');
    assert.match(runFrozen(['zod'], emailCheck), /^threw: /);
  });
});
