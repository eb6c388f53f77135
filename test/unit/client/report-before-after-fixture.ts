import type { CampaignReport } from '../../../client/report/campaign-report';
import { userCredentialFindings } from '../../../domain/findings';
import { accountReport, approvalState, campaignStatus, GENERATED_AT, userReport } from './fixtures';

export const OLD = 'AKIAOLD0000000000001';
export const NEW = 'AKIANEW0000000000001';
export const RB_OLD = 'AKIARBOLD00000000001';
export const RB_NEW = 'AKIARBNEW00000000001';
export const APPROVED_AT = '2025-05-31T23:30:00.000Z';
export const APPROVAL_GIVEN_AT = '2025-05-31T23:29:00.000Z';

const age = (detail: string) => ({
  code: 'KEY_AGE_OVER_MAX' as const,
  controls: ['CIS 1.14', 'SecurityHub IAM.3'],
  detail,
});

/**
 * A finished campaign: ci-bot rotated (old key deleted after an approval), rb-user rolled back
 * (old key reactivated, new key kept), alice+ops left with two active keys, and a console user
 * without MFA. Started 2025-05-31T23:00Z; the gate approved once, then closed its round.
 */
export function beforeAfterReport(): CampaignReport {
  const rotated = userReport({
    userName: 'ci-bot',
    keys: [
      {
        accessKeyId: OLD,
        status: 'Active',
        createDate: '2025-02-01T00:00:00.000Z',
        lastUsedDate: '2025-05-21T00:00:00.000Z',
        findings: [age('key is 119 days old (max 90)')],
      },
    ],
    oldAccessKeyId: OLD,
    newAccessKeyId: NEW,
    deletedAccessKeyIds: [OLD],
    timeline: [
      {
        at: '2025-05-31T23:05:00.000Z',
        event: `created key ${NEW}, staged as version v2 (AWSPENDING) of keywarden/ci-bot`,
      },
      { at: '2025-05-31T23:10:00.000Z', event: `deactivated old key ${OLD}` },
      { at: '2025-05-31T23:31:00.000Z', event: `decision on key ${OLD}: approved (1 of 1 approvals)` },
      { at: '2025-05-31T23:32:00.000Z', event: `deleted old key ${OLD}` },
    ],
  });
  const rolledBack = userReport({
    userName: 'rb-user',
    status: 'rolled-back',
    reason: `key ${RB_OLD} is 242 days old (max 90)`,
    keys: [
      {
        accessKeyId: RB_OLD,
        status: 'Active',
        createDate: '2024-10-01T00:00:00.000Z',
        lastUsedDate: '2025-01-01T00:00:00.000Z',
        findings: [
          age('key is 242 days old (max 90)'),
          {
            code: 'KEY_UNUSED_45_DAYS',
            controls: ['CIS 1.12', 'SecurityHub IAM.22'],
            detail: 'last used 150 days ago',
          },
          { code: 'KEY_UNUSED_90_DAYS', controls: ['SecurityHub IAM.8'], detail: 'last used 150 days ago' },
        ],
      },
    ],
    oldAccessKeyId: RB_OLD,
    newAccessKeyId: RB_NEW,
    secretArn: undefined,
    deletedAccessKeyIds: [],
    timeline: [
      {
        at: '2025-05-31T23:05:00.000Z',
        event: `created key ${RB_NEW}, staged as version v1 (AWSPENDING) of keywarden/rb-user`,
      },
      { at: '2025-05-31T23:10:00.000Z', event: `deactivated old key ${RB_OLD}` },
      { at: '2025-06-01T00:10:00.000Z', event: `decision on key ${RB_OLD}: rejected (not this one)` },
      {
        at: '2025-06-01T00:11:00.000Z',
        event: `deletion rejected; reactivated old key ${RB_OLD}, the new key stays live and stored`,
      },
    ],
  });
  const twoKeys = userReport({
    accountId: '222222222222',
    userName: 'alice+ops@example.com',
    action: 'needs-attention',
    status: 'needs-attention',
    reason: 'two active keys',
    keys: [
      {
        accessKeyId: 'AKIATWO0000000000001',
        status: 'Active',
        createDate: '2025-05-01T00:00:00.000Z',
        findings: [{ code: 'TWO_ACTIVE_KEYS', controls: ['CIS 1.13'], detail: 'user has 2 active keys' }],
      },
      {
        accessKeyId: 'AKIATWO0000000000002',
        status: 'Active',
        createDate: '2025-01-01T00:00:00.000Z',
        lastUsedDate: '2025-01-15T00:00:00.000Z',
        findings: [
          age('key is 150 days old (max 90)'),
          { code: 'KEY_UNUSED_90_DAYS', controls: ['SecurityHub IAM.8'], detail: 'last used 137 days ago' },
          { code: 'TWO_ACTIVE_KEYS', controls: ['CIS 1.13'], detail: 'user has 2 active keys' },
        ],
      },
    ],
    oldAccessKeyId: undefined,
    newAccessKeyId: undefined,
    secretArn: undefined,
    deletedAccessKeyIds: [],
    timeline: [],
  });
  return {
    generatedAt: GENERATED_AT,
    campaign: campaignStatus({
      approval: approvalState({
        pastRounds: [
          {
            outcome: 'approved',
            by: ['security-lead@example.com'],
            at: APPROVED_AT,
            reason: '1 of 1 approvals',
            approvals: [{ approver: 'security-lead@example.com', at: APPROVAL_GIVEN_AT, comment: 'ok' }],
          },
        ],
        round: 2,
      }),
    }),
    accounts: [
      accountReport({ users: [rotated, rolledBack] }),
      accountReport({
        accountId: '222222222222',
        accountName: 'Dev',
        ouName: 'Dev',
        users: [twoKeys],
        findings: userCredentialFindings('222222222222', {
          userName: 'grace.console',
          arn: 'arn:aws:iam::222222222222:user/grace.console',
          passwordEnabled: true,
          mfaActive: false,
          activeAccessKey: false,
        }),
      }),
    ],
  };
}
