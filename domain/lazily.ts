/**
 * The value of `load`, computed on the first call and kept.
 *
 * Workflow code loads its schemas through this. The SDK evaluates a workflow bundle's modules
 * anew for every workflow it keeps in its cache. Importing zod at the top of a module costs about
 * 0.5 MiB per cached workflow, and each schema built at module level about 10 KiB more. Loaded on
 * first use, the schemas cost only the workflows that validate a message, once each.
 */
export function lazily<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
