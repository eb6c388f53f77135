import { z } from 'zod';
import { loadTemporalConnection } from '../connection/load-temporal-connection';
import { TemporalConfigError } from '../connection/temporal-config-error';
import { plaintextConnection, type TemporalConnection } from '../connection/temporal-connection';
import { runningSandbox } from '../sandbox/sandbox-lifecycle';
import type { SandboxState } from '../sandbox/sandbox-state';
import { CliError } from './cli-error';

export interface TemporalTarget extends TemporalConnection {
  taskQueue: string;
  uiUrl?: string;
}

const TargetEnvSchema = z.object({
  TEMPORAL_UI_URL: z
    .url('TEMPORAL_UI_URL is not a URL: give the Web UI address, e.g. http://127.0.0.1:8233, or unset it')
    .optional(),
  KEYWARDEN_TASK_QUEUE: z
    .string()
    .min(
      1,
      'KEYWARDEN_TASK_QUEUE is empty: name the task queue the workers poll, or unset it for "keywarden"',
    )
    .optional(),
});

/**
 * Where the CLI finds Temporal: the standard Temporal client configuration first (a profile of the
 * TOML config file and the TEMPORAL_* variables: a real cluster), else the running sandbox (the
 * embedded default). Without either there is nothing to talk to.
 */
export function resolveTemporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const parsed = TargetEnvSchema.safeParse(env);
  // Wrong input, like a bad option: exit code 2, and nothing was started.
  if (!parsed.success) throw new CliError(`bad environment: ${z.prettifyError(parsed.error)}`, 2);
  const vars = parsed.data;
  let sandbox: SandboxState | undefined;
  let connection: TemporalConnection | undefined;
  try {
    connection = loadTemporalConnection(env, () => {
      sandbox = runningSandbox();
      return (
        sandbox && {
          address: sandbox.temporal.address,
          namespace: sandbox.temporal.namespace,
          origin: 'the running sandbox',
        }
      );
    });
  } catch (error) {
    if (error instanceof TemporalConfigError) throw new CliError(`Temporal connection: ${error.message}`, 2);
    throw error;
  }
  if (!connection) {
    throw new CliError(
      'no Temporal to talk to: start the sandbox (keywarden sandbox up), or configure a connection: a profile in ' +
        'the Temporal config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) or TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, KEYWARDEN_TASK_QUEUE)',
    );
  }
  if (sandbox) return { ...connection, taskQueue: sandbox.taskQueue, uiUrl: sandbox.temporal.uiUrl };
  return { ...connection, taskQueue: vars.KEYWARDEN_TASK_QUEUE ?? 'keywarden', uiUrl: vars.TEMPORAL_UI_URL };
}

/** The sandbox's dev server: local and plaintext. */
export function sandboxTarget(state: SandboxState): TemporalTarget {
  return {
    ...plaintextConnection(state.temporal.address, state.temporal.namespace, 'the sandbox'),
    taskQueue: state.taskQueue,
    uiUrl: state.temporal.uiUrl,
  };
}

export function workflowUiLink(target: TemporalTarget, workflowId: string): string | undefined {
  if (!target.uiUrl) return undefined;
  return `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
