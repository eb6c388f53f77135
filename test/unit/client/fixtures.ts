import type { ApprovalState } from '../../../domain/approval-state';
import type {
  AccountRotationReport,
  CampaignStatus,
  UserRotationReport,
} from '../../../domain/rotation-report';
import type { CampaignReport } from '../../../client/report/campaign-report';

export const GENERATED_AT = '2025-06-01T00:00:00.000Z';

export function approvalState(overrides: Partial<ApprovalState> = {}): ApprovalState {
  return {
    requiredApprovals: 1,
    approvers: ['security-lead@example.com', 'ciso@example.com'],
    initiator: 'platform-team@example.com',
    onTimeout: 'reject',
    timeoutMs: 600_000,
    approvals: [],
    rejectedAttempts: [],
    escalations: [],
    ...overrides,
  };
}

export function campaignStatus(overrides: Partial<CampaignStatus> = {}): CampaignStatus {
  return {
    campaignId: 'q3-rotation',
    name: 'Q3 rotation',
    initiator: 'platform-team@example.com',
    dryRun: false,
    phase: 'completed',
    startedAt: '2025-05-31T23:00:00.000Z',
    continuedAsNew: 0,
    accounts: { inScope: 2, started: 2, readyForApproval: 0, finished: 2, failed: 0 },
    users: { rotated: 1, skipped: 1, 'needs-attention': 1 },
    usersAwaitingDecision: 0,
    failedAccounts: [],
    approval: approvalState({
      approvals: [{ approver: 'security-lead@example.com', comment: 'ok', at: '2025-05-31T23:30:00.000Z' }],
      rejectedAttempts: [
        {
          signal: 'approve',
          approver: 'platform-team@example.com',
          reason: 'self-approval: the initiator may not approve (four eyes)',
          at: '2025-05-31T23:20:00.000Z',
        },
      ],
      decision: {
        outcome: 'approved',
        by: ['security-lead@example.com'],
        at: '2025-05-31T23:30:00.000Z',
        reason: '1 of 1 approvals',
      },
    }),
    ...overrides,
  };
}

export function userReport(overrides: Partial<UserRotationReport> = {}): UserRotationReport {
  return {
    accountId: '111111111111',
    userName: 'ci-bot',
    action: 'rotate',
    reason: 'key AKIAOLD0000000000001 is 120 days old (max 90)',
    status: 'rotated',
    keys: [
      {
        accessKeyId: 'AKIAOLD0000000000001',
        status: 'Active',
        createDate: '2025-02-01T00:00:00.000Z',
        lastUsedDate: '2025-05-21T00:00:00.000Z',
        lastUsedService: 'sts',
        lastUsedRegion: 'us-east-1',
        findings: [
          {
            code: 'KEY_AGE_OVER_MAX',
            controls: ['CIS 2.13', 'SecurityHub IAM.3'],
            detail: 'key is 120 days old (max 90)',
          },
        ],
      },
    ],
    oldAccessKeyId: 'AKIAOLD0000000000001',
    newAccessKeyId: 'AKIANEW0000000000001',
    secretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:keywarden/ci-bot-AbCdEf',
    secretVersionId: 'v2',
    deletedAccessKeyIds: ['AKIAOLD0000000000001'],
    timeline: [],
    ...overrides,
  };
}

export function accountReport(overrides: Partial<AccountRotationReport> = {}): AccountRotationReport {
  return {
    campaignId: 'q3-rotation',
    accountId: '111111111111',
    accountName: 'Prod',
    ouName: 'Prod',
    status: 'completed',
    users: [userReport()],
    ...overrides,
  };
}

/** Two accounts: a rotated user, a user whose name and reason need quoting, a user with no keys. */
export function sampleReport(): CampaignReport {
  return {
    generatedAt: GENERATED_AT,
    campaign: campaignStatus(),
    accounts: [
      accountReport(),
      accountReport({
        accountId: '222222222222',
        accountName: 'Dev, "sandbox"',
        ouName: 'Dev',
        users: [
          userReport({
            accountId: '222222222222',
            userName: 'alice+ops@example.com',
            action: 'needs-attention',
            reason: 'two active keys: rotation would need a third key; resolve by hand, "carefully"',
            status: 'needs-attention',
            keys: [
              {
                accessKeyId: 'AKIATWO0000000000001',
                status: 'Active',
                createDate: '2025-05-01T00:00:00.000Z',
                findings: [
                  { code: 'TWO_ACTIVE_KEYS', controls: ['CIS 2.12'], detail: 'user has 2 active keys' },
                ],
              },
              {
                accessKeyId: 'AKIATWO0000000000002',
                status: 'Active',
                createDate: '2025-01-01T00:00:00.000Z',
                lastUsedDate: '2025-01-15T00:00:00.000Z',
                findings: [
                  {
                    code: 'KEY_AGE_OVER_MAX',
                    controls: ['CIS 2.13', 'SecurityHub IAM.3'],
                    detail: 'key is 151 days old (max 90)',
                  },
                  {
                    code: 'KEY_UNUSED_90_DAYS',
                    controls: ['SecurityHub IAM.8'],
                    detail: 'last used 137 days ago',
                  },
                  { code: 'TWO_ACTIVE_KEYS', controls: ['CIS 2.12'], detail: 'user has 2 active keys' },
                ],
              },
            ],
            oldAccessKeyId: undefined,
            newAccessKeyId: undefined,
            secretArn: undefined,
            secretVersionId: undefined,
            deletedAccessKeyIds: [],
          }),
          userReport({
            accountId: '222222222222',
            userName: 'no-keys-user',
            action: 'skip',
            reason: 'no access keys',
            status: 'skipped',
            keys: [],
            oldAccessKeyId: undefined,
            newAccessKeyId: undefined,
            secretArn: undefined,
            secretVersionId: undefined,
            deletedAccessKeyIds: [],
          }),
        ],
      }),
    ],
  };
}
