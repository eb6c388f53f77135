import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { paths } from './project-paths';
import { SetupError } from './setup-error';

export const SandboxStateSchema = z.strictObject({
  version: z.literal(1),
  startedAt: z.string(),
  taskQueue: z.string(),
  temporal: z.strictObject({ address: z.string(), namespace: z.string(), uiUrl: z.url() }),
  aws: z.strictObject({
    endpoint: z.url(),
    region: z.string(),
    managementAccountId: z.string(),
    credentials: z.strictObject({ accessKeyId: z.string(), secretAccessKey: z.string() }),
    /** The endpoint was already running (attach mode): the sandbox neither started nor stops it. */
    attached: z.boolean().optional(),
  }),
  org: z.strictObject({
    rootId: z.string(),
    ous: z.array(z.strictObject({ id: z.string(), name: z.string(), path: z.string() })),
    accounts: z.array(z.strictObject({ accountId: z.string(), name: z.string(), ouName: z.string() })),
  }),
  processes: z.array(z.strictObject({ name: z.string(), pid: z.number().int(), logFile: z.string() })),
});
export type SandboxState = z.infer<typeof SandboxStateSchema>;

export function readSandboxState(file = paths.sandboxFile): SandboxState | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = SandboxStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new SetupError(
      `${path.relative(process.cwd(), file)} is not a keywarden sandbox file (${z.prettifyError(parsed.error)}); ` +
        'stop any leftover processes and delete it',
    );
  }
  return parsed.data;
}

/** Holds the sandbox's emulator credentials, so it is readable by its owner only. */
export function writeSandboxState(state: SandboxState, file = paths.sandboxFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function removeSandboxState(file = paths.sandboxFile): void {
  rmSync(file, { force: true });
}
