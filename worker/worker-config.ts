import { z } from 'zod';

const WorkerEnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'use host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  KEYWARDEN_TASK_QUEUE: z.string().min(1).default('keywarden'),
  KEYWARDEN_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(20),
  /** Task-queue-wide: the whole fleet of workers together stays under this many activities a second. */
  KEYWARDEN_TASK_QUEUE_ACTIVITIES_PER_SECOND: z.coerce.number().positive().default(50),
});

export type WorkerConfig = z.infer<typeof WorkerEnvSchema>;

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`bad worker environment:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
