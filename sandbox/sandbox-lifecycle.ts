import { Connection } from '@temporalio/client';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack, stopAll } from './local-stack';
import { isAlive, startService } from './processes';
import { paths } from './project-paths';
import { readSandboxState, removeSandboxState, writeSandboxState, type SandboxState } from './sandbox-state';
import { attachCredentials, readAttachedOrganization } from './attached-org';
import { seedOrganization } from './seed-org';
import { SetupError } from './setup-error';

export const SANDBOX_TASK_QUEUE = 'keywarden';

export interface SandboxUpOptions {
  memberAccounts?: number;
  seed?: number;
  temporalPort?: number;
  temporalUiPort?: number;
  awsPort?: number;
  /** Attach to this AWS endpoint (an emulator already running) instead of starting one. */
  awsEndpoint?: string;
  /** False: work on the org already at awsEndpoint, with the AWS credentials of this shell. */
  seedOrg?: boolean;
  log: (line: string) => void;
}

export function runningSandbox(): SandboxState | undefined {
  const state = readSandboxState();
  if (!state) return undefined;
  return state.processes.every((p) => isAlive(p.pid)) ? state : undefined;
}

/**
 * The environment of a process that works against the sandbox: the standard AWS variables, so the
 * default credential chain finds them, and a plaintext Temporal connection to the local dev server
 * (no inherited TEMPORAL_* setting or config file profile, which may point at a secured cluster).
 */
export function sandboxEnvironment(state: SandboxState): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')),
  );
  return {
    ...inherited,
    TEMPORAL_CONFIG_FILE: '',
    TEMPORAL_ADDRESS: state.temporal.address,
    TEMPORAL_NAMESPACE: state.temporal.namespace,
    KEYWARDEN_TASK_QUEUE: state.taskQueue,
    AWS_ENDPOINT_URL: state.aws.endpoint,
    AWS_REGION: state.aws.region,
    AWS_ACCESS_KEY_ID: state.aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: state.aws.credentials.secretAccessKey,
  };
}

export async function sandboxUp(opts: SandboxUpOptions): Promise<SandboxState> {
  const existing = readSandboxState();
  if (existing) {
    if (existing.processes.every((p) => isAlive(p.pid))) {
      opts.log('the sandbox is already running');
      return existing;
    }
    opts.log('a previous sandbox was left half-running; stopping what is left of it first');
    await stopAll(existing.processes);
    removeSandboxState();
  }
  const seed = opts.seedOrg ?? true;
  if (!seed && opts.awsEndpoint === undefined) {
    throw new SetupError(
      '--no-seed needs --aws-endpoint <url>: an emulator the sandbox starts holds no organization until it is seeded',
    );
  }
  const attachedCredentials = seed ? undefined : attachCredentials();
  rmSync(paths.sandboxDb, { force: true });
  const stack = await startLocalStack({
    lifetime: 'detached',
    temporalDbFile: paths.sandboxDb,
    temporalPort: opts.temporalPort,
    temporalUiPort: opts.temporalUiPort,
    awsPort: opts.awsPort,
    awsEndpoint: opts.awsEndpoint,
    log: opts.log,
  });
  try {
    const state: SandboxState = {
      version: 1,
      startedAt: new Date().toISOString(),
      taskQueue: SANDBOX_TASK_QUEUE,
      temporal: stack.temporal,
      ...(await organizationOf(stack.awsEndpoint, opts, attachedCredentials)),
      processes: stack.processes,
    };
    opts.log('starting a keywarden worker');
    const worker = await startService({
      what: 'the keywarden worker',
      ready: () => workerPolling(state),
      timeoutMs: 120_000,
      name: 'worker',
      command: process.execPath,
      args: [path.join(paths.root, 'dist', 'worker', 'main.js')],
      logFile: path.join(paths.logs, 'worker.log'),
      env: sandboxEnvironment(state),
      keepRunningAfterExit: true,
    });
    state.processes = [...stack.processes, worker];
    writeSandboxState(state);
    return state;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The org the sandbox works on: seeded now, or (attach mode) read from the endpoint as it is. */
async function organizationOf(
  endpoint: string,
  opts: SandboxUpOptions,
  attachedCredentials: { accessKeyId: string; secretAccessKey: string } | undefined,
): Promise<Pick<SandboxState, 'aws' | 'org'>> {
  const attached = opts.awsEndpoint !== undefined;
  if (attachedCredentials !== undefined) {
    const region = process.env.AWS_REGION ?? 'us-east-1';
    opts.log(`reading the organization already at ${endpoint}`);
    const org = await readAttachedOrganization({ endpoint, region, credentials: attachedCredentials });
    return {
      aws: {
        endpoint,
        region,
        managementAccountId: org.managementAccountId,
        credentials: {
          accessKeyId: attachedCredentials.accessKeyId,
          secretAccessKey: attachedCredentials.secretAccessKey,
        },
        attached,
      },
      org: { rootId: org.rootId, ous: org.ous, accounts: org.accounts },
    };
  }
  opts.log(`seeding an emulated organization with ${opts.memberAccounts ?? 5} member accounts`);
  const org = await seedOrganization({ endpoint, memberAccounts: opts.memberAccounts, seed: opts.seed });
  return {
    aws: {
      endpoint,
      region: org.region,
      managementAccountId: org.managementAccountId,
      credentials: {
        accessKeyId: org.operatorCredentials.accessKeyId,
        secretAccessKey: org.operatorCredentials.secretAccessKey,
      },
      ...(attached ? { attached } : {}),
    },
    org: { rootId: org.rootId, ous: org.ous, accounts: org.accounts },
  };
}

/** The worker is ready once it polls the sandbox's task queue. */
async function workerPolling(state: SandboxState): Promise<boolean> {
  const connection = await Connection.connect({ address: state.temporal.address, connectTimeout: 1000 });
  try {
    const response = await connection.workflowService.describeTaskQueue({
      namespace: state.temporal.namespace,
      taskQueue: { name: state.taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    return (response.pollers ?? []).length > 0;
  } finally {
    await connection.close();
  }
}

export async function sandboxDown(log: (line: string) => void): Promise<void> {
  const state = readSandboxState();
  if (!state) {
    throw new SetupError(
      'no sandbox is running, so there is nothing to stop (start one with: keywarden sandbox up)',
    );
  }
  for (const p of [...state.processes].reverse()) log(`stopping ${p.name} (pid ${p.pid})`);
  await stopAll(state.processes);
  removeSandboxState();
  rmSync(paths.sandboxDb, { force: true });
}
