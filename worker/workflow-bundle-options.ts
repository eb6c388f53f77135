import type { BundleOptions, WorkerOptions } from '@temporalio/worker';

/** Workers and workflow bundles decode payloads with it, so a bad signal cannot wedge a workflow. */
export const payloadConverterPath = require.resolve('../workflows/payload-converter');

const workflowsPath = require.resolve('../workflows');

/**
 * Modules a worker evaluates once and shares between all the workflows it runs (the SDK's
 * `preloadModules`), with every module they import. Every other module of the bundle is evaluated
 * anew for each workflow the worker runs or replays, so a library there costs its load time and
 * memory once per workflow: @noble/ed25519, for one, builds a 1.14 MiB table of base-point
 * multiples on its first verification (about 60 ms of CPU), in every workflow that judges a
 * signed approval.
 *
 * `ed25519-setup` imports noble and its SHA-512 (@noble/hashes), so they are shared; naming the
 * packages here would not do, as the bundler drops a bare import of a package that declares no
 * side effects. Only modules without per-workflow state, and that never write to what they
 * export, may be shared: the SDK freezes them once loaded. noble's only state is that table, a
 * cache of constants that gives the same answers whoever built it. zod cannot be shared: it
 * writes to its own module objects while workflows use it (it sets its default error locale when
 * the first schema is built, and adds a memoizer), and with it frozen the golden histories fail to
 * replay. Nor can a module that exports regular expressions zod checks strings with: zod resets
 * their `lastIndex`.
 */
export const SHARED_WORKFLOW_MODULES: readonly string[] = [require.resolve('../domain/ed25519-setup')];

/** How keywarden's workflows are bundled ahead (bundleWorkflowCode). */
export function workflowBundleOptions(): Required<
  Pick<BundleOptions, 'workflowsPath' | 'payloadConverterPath' | 'preloadModules'>
> {
  return { workflowsPath, payloadConverterPath, preloadModules: [...SHARED_WORKFLOW_MODULES] };
}

/** The same, for a worker that bundles the workflows itself when it starts. */
export function workflowsBundledAtStart(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  return { workflowsPath, bundlerOptions: { preloadModules: [...SHARED_WORKFLOW_MODULES] } };
}
