import { z } from 'zod';
import { loadTemporalConnection } from '../connection/load-temporal-connection';
import type { TemporalConnection } from '../connection/temporal-connection';
import { MEMBER_ACCOUNTS_CACHED } from '../activities/aws/credentials';
import type { NotifyChannels } from '../activities/notification-channels';
import { notifyChannelsFromEnv } from './notify-config';

/** The default of KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS (the SDK's own is 40). */
export const DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS = 10;

const WorkerEnvSchema = z.object({
  KEYWARDEN_TASK_QUEUE: z.string().min(1).default('keywarden'),
  KEYWARDEN_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(20),
  /** Workflow tasks one worker takes at once; see createKeywardenWorker. */
  KEYWARDEN_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS),
  /** Workflows kept in memory between tasks (bounds the worker's memory); unset: sized from the heap. */
  KEYWARDEN_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  /** Member accounts whose AWS clients and assumed-role credentials a worker keeps (LRU). */
  KEYWARDEN_AWS_MEMBER_ACCOUNTS_CACHED: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(MEMBER_ACCOUNTS_CACHED),
  /** Task-queue-wide: the whole fleet of workers together stays under this many activities a second. */
  KEYWARDEN_TASK_QUEUE_ACTIVITIES_PER_SECOND: z.coerce.number().positive().default(50),
  /** A workflow bundle built ahead (bundleWorkflowCode): the process starts polling without bundling. */
  KEYWARDEN_WORKFLOW_BUNDLE: z.string().min(1).optional(),
});

export type WorkerConfig = z.infer<typeof WorkerEnvSchema> & {
  temporal: TemporalConnection;
  notify: NotifyChannels;
};

/** With no Temporal address configured, the worker goes to a dev server on the default local port. */
const LOCAL_DEV_SERVER = {
  address: '127.0.0.1:7233',
  namespace: 'default',
  origin: 'the default local address',
};

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`bad worker environment:\n${z.prettifyError(parsed.error)}`);
  const temporal = loadTemporalConnection(env, () => LOCAL_DEV_SERVER);
  if (temporal === undefined) throw new Error('no Temporal connection configured');
  return { ...parsed.data, temporal, notify: notifyChannelsFromEnv(env) };
}
