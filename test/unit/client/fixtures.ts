import assert from 'node:assert/strict';
import type { ApprovalState } from '../../../domain/approval-state';
import type {
  OffboardedUser,
  OffboardingStatus,
  PriorUserState,
  PurgeStepRecord,
} from '../../../domain/offboarding-report';
import { purgeStepsFor } from '../../../domain/offboarding-report';
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
    round: 1,
    pastRounds: [],
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
    accounts: {
      inScope: 2,
      started: 2,
      working: 0,
      waiting: 0,
      readyForApproval: 0,
      finished: 2,
      failed: 0,
      notStarted: 0,
    },
    users: { rotated: 1, skipped: 1, 'needs-attention': 1 },
    usersWithoutKeys: 0,
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
            controls: ['CIS 1.14', 'SecurityHub IAM.3'],
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
                  { code: 'TWO_ACTIVE_KEYS', controls: ['CIS 1.13'], detail: 'user has 2 active keys' },
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
                    controls: ['CIS 1.14', 'SecurityHub IAM.3'],
                    detail: 'key is 151 days old (max 90)',
                  },
                  {
                    code: 'KEY_UNUSED_90_DAYS',
                    controls: ['SecurityHub IAM.8'],
                    detail: 'last used 137 days ago',
                  },
                  { code: 'TWO_ACTIVE_KEYS', controls: ['CIS 1.13'], detail: 'user has 2 active keys' },
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

export const OFFBOARD_REQUESTED_AT = '2025-06-01T09:00:00.000Z';
export const OFFBOARD_CONTAINED_AT = '2025-06-01T09:00:04.321Z';

export function priorState(overrides: Partial<PriorUserState> = {}): PriorUserState {
  return {
    capturedAt: '2025-06-01T09:00:03.000Z',
    source: 'observed',
    accessKeys: [
      { id: 'AKIALEAVER0000000001', status: 'Active' },
      { id: 'AKIALEAVER0000000002', status: 'Inactive' },
    ],
    uncertainKeyIds: [],
    loginProfile: true,
    attachedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    inlinePolicyNames: ['s3-scratch'],
    groups: ['developers'],
    mfaDevices: ['arn:aws:iam::111111111111:mfa/jdoe'],
    sshPublicKeys: [],
    signingCertificates: [],
    ...overrides,
  };
}

/** A purge in AWS's order at one-second steps; `skip` marks steps the endpoint does not implement. */
export function purgeRecords(skip: Record<string, string> = {}): PurgeStepRecord[] {
  const items: Record<string, string[]> = {
    'login-profile': ['login-profile'],
    'access-keys': ['AKIALEAVER0000000001', 'AKIALEAVER0000000002'],
    'mfa-devices': ['arn:aws:iam::111111111111:mfa/jdoe'],
    'inline-policies': ['s3-scratch', 'keywarden-offboarding-deny'],
    'attached-policies': ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    groups: ['developers'],
    user: ['jdoe'],
  };
  return purgeStepsFor('delete-user').map((step, i): PurgeStepRecord => {
    const at = new Date(Date.parse('2025-06-01T10:00:00.000Z') + i * 1000).toISOString();
    const reason = skip[step];
    if (reason !== undefined) return { step, items: [], status: 'skipped', reason, at };
    const removed = items[step] ?? [];
    return { step, items: removed, status: removed.length > 0 ? 'done' : 'nothing-to-do', at };
  });
}

export function offboardedUser(overrides: Partial<OffboardedUser> = {}): OffboardedUser {
  return {
    accountId: '111111111111',
    accountName: 'Prod',
    userName: 'jdoe',
    matchedBy: 'userName',
    prior: priorState(),
    containedAt: '2025-06-01T09:00:03.500Z',
    alreadyContained: false,
    actions: [
      { action: 'matched', at: '2025-06-01T09:00:02.000Z', detail: 'userName' },
      {
        action: 'contained',
        at: '2025-06-01T09:00:03.500Z',
        detail: 'deny policy keywarden-offboarding-deny; deactivated 1 key(s)',
      },
    ],
    purgeSteps: [],
    ...overrides,
  };
}

/** With every purge step's action, and the final `purged` action, as the workflow records them. */
export function purgedUser(
  overrides: Partial<OffboardedUser> = {},
  skip: Record<string, string> = {},
): OffboardedUser {
  const user = offboardedUser(overrides);
  const steps = purgeRecords(skip);
  return {
    ...user,
    purgeSteps: steps,
    actions: [
      ...user.actions,
      ...steps.map((r) => ({
        action: 'purge-step' as const,
        at: r.at,
        detail: `${r.step}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
      })),
      { action: 'purged', at: '2025-06-01T10:00:10.000Z', detail: 'delete-user' },
    ],
  };
}

export const SKIPPED_REASON = 'the endpoint does not implement ListSigningCertificates';

/**
 * Approved and purged: jdoe in Prod (signing certificates skipped), a user in a Dev account whose
 * name needs quoting whose containment failed, an account that matched no one and one that failed.
 */
export function offboardingStatus(overrides: Partial<OffboardingStatus> = {}): OffboardingStatus {
  return {
    employeeId: 'e-42',
    workflowId: 'offboard-e-42',
    phase: 'completed',
    requestedAt: OFFBOARD_REQUESTED_AT,
    containedAt: OFFBOARD_CONTAINED_AT,
    timeToContainmentMs: 4321,
    containmentComplete: false,
    users: [
      purgedUser({}, { 'signing-certificates': SKIPPED_REASON }),
      offboardedUser({
        accountId: '222222222222',
        accountName: 'Dev, "sandbox"',
        userName: 'jdoe+ops@example.com',
        matchedBy: 'tag:employee-id',
        prior: undefined,
        containedAt: undefined,
        alreadyContained: undefined,
        error: 'AccessDenied: not authorized to perform iam:PutUserPolicy, "deny"',
        actions: [
          { action: 'matched', at: '2025-06-01T09:00:02.100Z', detail: 'tag:employee-id' },
          {
            action: 'failed',
            at: '2025-06-01T09:00:04.000Z',
            detail: 'AccessDenied: not authorized to perform iam:PutUserPolicy, "deny"',
          },
        ],
      }),
    ],
    accountsSearched: ['111111111111', '222222222222', '444444444444'],
    accountsFailed: [{ accountId: '333333333333', error: 'AccessDenied: cannot assume role' }],
    approval: approvalState({
      openedAt: '2025-06-01T09:00:05.000Z',
      approvals: [
        { approver: 'security-lead@example.com', comment: 'leaver', at: '2025-06-01T09:30:00.000Z' },
      ],
      rejectedAttempts: [
        {
          signal: 'approve',
          approver: 'platform-team@example.com',
          reason: 'self-approval: the initiator may not approve (four eyes)',
          at: '2025-06-01T09:20:00.000Z',
        },
      ],
      decision: {
        outcome: 'approved',
        by: ['security-lead@example.com'],
        at: '2025-06-01T09:30:00.000Z',
        reason: '1 of 1 approvals',
      },
    }),
    purgeMode: 'delete-user',
    finishedAt: '2025-06-01T10:00:10.000Z',
    ...overrides,
  };
}

/** Rejected: jdoe restored exactly, a key that appeared after containment left inactive. */
export function restoredOffboardingStatus(): OffboardingStatus {
  const user = offboardedUser();
  return offboardingStatus({
    phase: 'restored',
    containmentComplete: true,
    users: [
      {
        ...user,
        restore: {
          reactivatedKeyIds: ['AKIALEAVER0000000001'],
          leftInactiveKeyIds: ['AKIALEAVER0000000002'],
          missingKeyIds: [],
          unexpectedKeyIds: ['AKIANEWER00000000003'],
          policyRemoved: true,
          policyPutBack: false,
          at: '2025-06-01T09:45:00.000Z',
        },
        actions: [
          ...user.actions,
          { action: 'restored', at: '2025-06-01T09:45:00.000Z', detail: 'rejected' },
        ],
      },
    ],
    accountsSearched: ['111111111111'],
    accountsFailed: [],
    approval: approvalState({
      decision: {
        outcome: 'rejected',
        by: ['ciso@example.com'],
        at: '2025-06-01T09:40:00.000Z',
        reason: 'wrong employee',
      },
    }),
  });
}

/** A strict RFC 4180 reader, to prove what renderCsv writes reads back as the same fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      assert.equal(field, '', `a quote may only open a field (row ${rows.length + 1})`);
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      assert.ok(ch !== '\n' && ch !== '\r', 'a bare line break outside quotes');
      field += ch;
    }
    i++;
  }
  assert.equal(quoted, false, 'an unterminated quoted field');
  assert.equal(field, '', 'the last row ends with CRLF');
  return rows;
}
