import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { performance } from 'node:perf_hooks';
import { managementConfig } from './member-clients';

export const CEILING_CONCURRENCY = 8;

/**
 * The emulator's own ceiling: simple IAM calls (GetUser of the org's operator) per second, 8 in
 * flight, for `durationMs`. Every other figure can be read as a fraction of it.
 */
export async function emulatorCeiling(endpoint: string, durationMs = 5000): Promise<number> {
  const iam = new IAMClient(managementConfig(endpoint));
  const call = () => iam.send(new GetUserCommand({ UserName: 'keywarden-operator' }));
  try {
    await call();
    const started = performance.now();
    const deadline = started + durationMs;
    let calls = 0;
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await call();
        calls++;
      }
    };
    await Promise.all(Array.from({ length: CEILING_CONCURRENCY }, lane));
    return calls / ((performance.now() - started) / 1000);
  } finally {
    iam.destroy();
  }
}
