import { performance } from 'node:perf_hooks';
import { campaignStartOptions } from '../../client/campaign-start-options';
import { CampaignSpecSchema } from '../../domain/campaign-spec';
import type { CampaignStatus } from '../../domain/rotation-report';
import type { BenchFigures } from './figures';
import type { KeywardenTarget } from './keywarden-containment';
import { profileCampaign } from './rotation-profile';

type BenchRotationRun = BenchFigures['rotation'][number]['keywarden'][number];

const APPROVER = 'security-lead@example.com';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type RotationRun = Pick<BenchRotationRun, 'rotated' | 'seconds' | 'gateSeconds' | 'profile'>;

/**
 * A whole campaign over every member account with the shortest windows a spec accepts (1 ms),
 * approved by the bench the moment its gate opens: create, store, verify, promote, deactivate,
 * delete for every user with a key older than 90 days. 8 accounts in flight, 5 keys per account.
 */
export async function rotateWithKeywarden(
  target: KeywardenTarget,
  opts: { campaignId: string; managementAccountId: string },
): Promise<RotationRun> {
  const spec = CampaignSpecSchema.parse({
    id: opts.campaignId,
    name: 'benchmark rotation',
    initiator: 'platform-team@example.com',
    scope: { allAccounts: true, excludeAccounts: [opts.managementAccountId] },
    policy: { maxKeyAgeDays: 90 },
    windows: { adoption: '1ms', grace: '1ms' },
    approval: { approvers: [APPROVER], timeout: '1h' },
    limits: { maxAccountsInFlight: 8, maxKeysInFlightPerAccount: 5 },
  });
  const { workflowType, ...options } = campaignStartOptions(spec, target.taskQueue);
  const started = performance.now();
  const handle = await target.client.workflow.start(workflowType, { ...options, workflowId: spec.id });
  let approved = false;
  let gateSeconds: number | undefined;
  try {
    for (;;) {
      const status = await handle.query<CampaignStatus>('status');
      if (status.phase === 'completed') {
        const seconds = (performance.now() - started) / 1000;
        // Read after the clock stopped: the profile is not part of the time.
        const profile = await profileCampaign(target.client, spec.id);
        return {
          rotated: status.users.rotated ?? 0,
          seconds,
          ...(gateSeconds === undefined ? {} : { gateSeconds }),
          profile,
        };
      }
      if (status.phase === 'failed' || status.phase === 'aborted')
        throw new Error(`the campaign ended ${status.phase}: ${status.error ?? ''}`);
      if (status.phase === 'awaiting-approval' && !approved) {
        gateSeconds = (performance.now() - started) / 1000;
        await handle.signal('approve', { approver: APPROVER, comment: 'benchmark' });
        approved = true;
      }
      if ((performance.now() - started) / 1000 > 30 * 60)
        throw new Error('the campaign took over 30 minutes');
      await sleep(100);
    }
  } finally {
    await handle.terminate('benchmark run measured').catch(() => undefined);
  }
}
