import {
  ParentClosePolicy,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { ApprovalDecision } from '../domain/approval-state';
import type { AccountRotationInput } from '../domain/campaign-input';
import { durationToMs } from '../domain/duration';
import type { UserFacts } from '../domain/inventory';
import {
  countStatuses,
  type AccountRotationReport,
  type AccountSummary,
  type UserRotationReport,
} from '../domain/rotation-report';
import { KeywardenAccountId, KeywardenCampaignId, KeywardenKind } from '../domain/search-attributes';
import { renderSecretName } from '../domain/secret-name';
import { selectUser } from '../domain/selection';
import { roleSessionName } from '../domain/session-name';
import { failureMessage } from './failure-message';
import { ApprovalGate, campaignGateConfig } from './approval-gate';
import { keyRotation, type KeyRotationInput } from './key-rotation';
import {
  accountProgressSignal,
  accountStatusQuery,
  deletionDecisionSignal,
  keyProgressSignal,
} from './messages';

const { inventoryAccount } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});

export function accountWorkflowId(campaignId: string, accountId: string): string {
  return `${campaignId}/${accountId}`;
}

export function keyWorkflowId(campaignId: string, accountId: string, userName: string): string {
  return `${campaignId}/${accountId}/${userName}`;
}

/**
 * One member account of a campaign: inventory, selection, and one keyRotation saga per selected
 * user, at most `maxKeysInFlightPerAccount` of them working at once. A saga that waits for the
 * deletion decision frees its slot. The decision comes from the campaign (campaign scope) or
 * from this workflow's own gate (account scope), and is passed down to every waiting saga.
 */
export async function accountRotation(input: AccountRotationInput): Promise<AccountRotationReport> {
  const { spec, account, campaignId } = input;
  const report: AccountRotationReport = {
    campaignId,
    accountId: account.accountId,
    accountName: account.name,
    ...(account.ouName === undefined ? {} : { ouName: account.ouName }),
    status: 'in-progress',
    users: [],
  };
  const campaign = getExternalWorkflowHandle(input.campaignWorkflowId);
  const gate =
    spec.approval.scope === 'account' ? new ApprovalGate(campaignGateConfig(spec)).listen() : undefined;

  const children = new Map<string, ChildWorkflowHandle<typeof keyRotation>>();
  const awaiting = new Set<string>();
  const done = new Set<string>();
  let decision: ApprovalDecision | undefined;
  const pendingSends: Array<Promise<void>> = [];
  const sendDecision = (userName: string) => {
    const child = children.get(userName);
    if (decision && child) pendingSends.push(child.signal(deletionDecisionSignal, decision));
  };

  setHandler(accountStatusQuery, () => ({ ...report, ...(gate ? { approval: gate.snapshot() } : {}) }));
  setHandler(keyProgressSignal, ({ userName }) => {
    awaiting.add(userName);
    sendDecision(userName);
  });
  setHandler(deletionDecisionSignal, (d) => {
    if (decision) return;
    decision = d;
    for (const userName of awaiting) sendDecision(userName);
  });

  const target: MemberRoleRef = {
    accountId: account.accountId,
    roleName: spec.access.roleName,
    sessionName: roleSessionName(campaignId),
    ...(spec.access.externalId === undefined ? {} : { externalId: spec.access.externalId }),
  };

  let users: UserFacts[];
  try {
    users = await inventoryAccount({ target });
  } catch (error) {
    report.status = 'failed';
    report.error = `inventory failed: ${failureMessage(error)}`;
    await campaign.signal(accountProgressSignal, {
      accountId: account.accountId,
      stage: 'finished',
      summary: summaryOf(report),
    });
    return report;
  }

  const now = new Date();
  const accountExempt = spec.policy.exemptions.accounts.includes(account.accountId);
  const plans: KeyRotationInput[] = [];
  for (const user of users) {
    const selection = selectUser(user, spec.policy, now);
    const findingsOf = (id: string) => selection.findings[id] ?? [];
    const userReport: UserRotationReport = {
      accountId: account.accountId,
      userName: user.userName,
      action: accountExempt ? 'skip' : selection.action,
      reason: accountExempt
        ? `exempt: account ${account.accountId} is in policy.exemptions.accounts`
        : selection.reason,
      status: 'skipped',
      keys: user.keys.map((key) => ({ ...key, findings: findingsOf(key.accessKeyId) })),
      deletedAccessKeyIds: [],
      timeline: [],
    };
    if (spec.dryRun) userReport.status = 'inventoried';
    else if (userReport.action === 'needs-attention') userReport.status = 'needs-attention';
    else if (userReport.action === 'rotate' && selection.keyToRotate) {
      userReport.status = 'in-progress';
      userReport.oldAccessKeyId = selection.keyToRotate;
      plans.push({
        accountWorkflowId: accountWorkflowId(campaignId, account.accountId),
        target,
        secretName: renderSecretName(spec.destination.secretNameTemplate, {
          userName: user.userName,
          accountId: account.accountId,
        }),
        adoptionMs: durationToMs(spec.windows.adoption),
        graceMs: durationToMs(spec.windows.grace),
        oldAccessKeyId: selection.keyToRotate,
        ...(selection.inactiveKeyToDelete === undefined
          ? {}
          : { inactiveKeyToDelete: selection.inactiveKeyToDelete }),
        knownAccessKeyIds: user.keys.map((k) => k.accessKeyId),
        report: userReport,
      });
    }
    report.users.push(userReport);
  }

  if (spec.dryRun) {
    report.status = 'inventoried';
    await campaign.signal(accountProgressSignal, {
      accountId: account.accountId,
      stage: 'finished',
      summary: summaryOf(report),
    });
    return report;
  }

  const replaceUserReport = (result: UserRotationReport) => {
    const index = report.users.findIndex((u) => u.userName === result.userName);
    if (index >= 0) report.users[index] = result;
  };
  const results: Array<Promise<void>> = [];
  const working = () => children.size - done.size - awaiting.size;
  for (const plan of plans) {
    await condition(() => working() < spec.limits.maxKeysInFlightPerAccount);
    const userName = plan.report.userName;
    const child = await startChild(keyRotation, {
      workflowId: keyWorkflowId(campaignId, account.accountId, userName),
      args: [plan],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: KeywardenKind, value: 'key-rotation' },
        { key: KeywardenCampaignId, value: campaignId },
        { key: KeywardenAccountId, value: account.accountId },
      ],
    });
    children.set(userName, child);
    results.push(
      child.result().then(
        (result) => {
          replaceUserReport(result);
          done.add(userName);
        },
        (error: unknown) => {
          replaceUserReport({ ...plan.report, status: 'failed', error: failureMessage(error) });
          done.add(userName);
        },
      ),
    );
  }

  // Every saga has either finished or is waiting: the account is ready for the decision.
  const waitingForDecision = () => [...awaiting].filter((u) => !done.has(u)).length;
  await condition(() => done.size + waitingForDecision() === plans.length);
  if (waitingForDecision() > 0 && !decision) {
    await campaign.signal(accountProgressSignal, {
      accountId: account.accountId,
      stage: 'ready-for-approval',
      usersWaiting: waitingForDecision(),
    });
    if (gate) {
      const own = await gate.waitForDecision();
      decision ??= own;
      for (const userName of awaiting) sendDecision(userName);
    }
  }
  await Promise.all(results);
  await Promise.all(pendingSends);

  report.status = 'completed';
  if (gate) report.approval = gate.snapshot();
  await campaign.signal(accountProgressSignal, {
    accountId: account.accountId,
    stage: 'finished',
    summary: summaryOf(report),
  });
  return report;
}

/** What the campaign keeps of an account: counts, not every user (a campaign may span 10,000 accounts). */
function summaryOf(report: AccountRotationReport): AccountSummary {
  return {
    accountId: report.accountId,
    status: report.status,
    counts: countStatuses(report.users),
    ...(report.error === undefined ? {} : { error: report.error }),
  };
}
