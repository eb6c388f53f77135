import { z } from 'zod';
import { runningSandbox } from '../sandbox/sandbox-lifecycle';
import { CliError } from './cli-error';

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
}

const TargetEnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'use host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_UI_URL: z.url().optional(),
  KEYWARDEN_TASK_QUEUE: z.string().min(1).optional(),
});

/**
 * Where the CLI finds Temporal: the environment first (a real cluster), else the running
 * sandbox (the embedded default). Without either there is nothing to talk to.
 */
export function resolveTemporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const parsed = TargetEnvSchema.safeParse(env);
  if (!parsed.success) throw new CliError(`bad environment: ${z.prettifyError(parsed.error)}`);
  const vars = parsed.data;
  if (vars.TEMPORAL_ADDRESS) {
    return {
      address: vars.TEMPORAL_ADDRESS,
      namespace: vars.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: vars.KEYWARDEN_TASK_QUEUE ?? 'keywarden',
      uiUrl: vars.TEMPORAL_UI_URL,
    };
  }
  const sandbox = runningSandbox();
  if (!sandbox) {
    throw new CliError(
      'no Temporal to talk to: start the sandbox (keywarden sandbox up) or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, KEYWARDEN_TASK_QUEUE)',
    );
  }
  return {
    address: sandbox.temporal.address,
    namespace: sandbox.temporal.namespace,
    taskQueue: sandbox.taskQueue,
    uiUrl: sandbox.temporal.uiUrl,
  };
}

export function workflowUiLink(target: TemporalTarget, workflowId: string): string | undefined {
  if (!target.uiUrl) return undefined;
  return `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
