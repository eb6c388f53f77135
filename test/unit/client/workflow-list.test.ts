import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ListFilterSchema, listQuery } from '../../../client/list/list-filter';
import { listText } from '../../../client/list/list-text';
import type { ListedWorkflow } from '../../../client/list/list-workflows';
import { waitingFor, waitingForText } from '../../../client/list/waiting-for';
import { approvalState } from './fixtures';

const filter = (raw: Record<string, unknown>) => ListFilterSchema.parse(raw);

describe('keywarden list: the visibility query', () => {
  test('running campaigns, offboardings and revocations by default', () => {
    assert.equal(
      listQuery(filter({})),
      'KeywardenKind IN ("campaign", "offboarding", "revocation") AND ExecutionStatus = "Running"',
    );
  });

  test('--kind, --all and --awaiting-approval narrow it', () => {
    assert.equal(listQuery(filter({ kind: 'offboarding', all: true })), 'KeywardenKind IN ("offboarding")');
    assert.equal(
      listQuery(filter({ kind: 'campaign', awaitingApproval: true, all: true })),
      'KeywardenKind IN ("campaign") AND ExecutionStatus = "Running" AND ' +
        'KeywardenPhase IN ("awaiting-approval", "approval-escalated", "escalated")',
    );
  });

  test('an unknown kind is refused with the kinds there are', () => {
    const parsed = ListFilterSchema.safeParse({ kind: 'monitor' });
    assert.equal(parsed.success, false);
    assert.match(
      parsed.error?.issues[0]?.message ?? '',
      /--kind takes one of campaign, offboarding, revocation/,
    );
  });
});

describe('keywarden list: who a gate waits for', () => {
  const gate = approvalState({
    requiredApprovals: 2,
    approvers: ['Security-Lead@example.com', 'ciso@example.com', 'platform-team@example.com'],
    initiator: 'platform-team@example.com',
    approvals: [{ approver: 'security-lead@example.com', at: '2025-06-01T10:00:00.000Z' }],
    deadline: '2025-06-02T10:00:00.000Z',
    signatures: 'required',
  });

  test('listed approvers who have not approved, never the initiator', () => {
    assert.deepEqual(waitingFor(gate), {
      requiredApprovals: 2,
      approvedBy: ['security-lead@example.com'],
      mayApprove: ['ciso@example.com'],
      initiator: 'platform-team@example.com',
      signatures: 'required',
      deadline: '2025-06-02T10:00:00.000Z',
    });
    assert.equal(
      waitingForText(waitingFor(gate)),
      '1 of 2 approvals (by security-lead@example.com); may approve: ciso@example.com; ' +
        'not the initiator platform-team@example.com; signed approvals only; deadline 2025-06-02T10:00:00.000Z',
    );
  });

  test('the text shows each workflow, and who a waiting one waits for', () => {
    const rows: ListedWorkflow[] = [
      {
        workflowId: 'q3-rotation',
        runId: 'r1',
        kind: 'campaign',
        phase: 'awaiting-approval',
        initiator: 'platform-team@example.com',
        executionStatus: 'RUNNING',
        startedAt: '2025-06-01T09:00:00.000Z',
        waitingFor: waitingFor(gate),
      },
      {
        workflowId: 'offboard-e-42',
        runId: 'r2',
        kind: 'offboarding',
        phase: 'escalated',
        executionStatus: 'RUNNING',
        startedAt: '2025-06-01T08:00:00.000Z',
        waitingForUnknown: 'no worker answered',
      },
      {
        workflowId: 'revoke-AKIA1',
        runId: 'r3',
        kind: 'revocation',
        phase: 'deleted',
        executionStatus: 'COMPLETED',
        startedAt: '2025-06-01T07:00:00.000Z',
      },
    ];
    assert.deepEqual(listText(rows), [
      'q3-rotation  campaign  awaiting-approval  (started 2025-06-01T09:00:00.000Z, by platform-team@example.com)',
      `    waits for: ${waitingForText(waitingFor(gate))}`,
      'offboard-e-42  offboarding  escalated  (started 2025-06-01T08:00:00.000Z)',
      '    waits for: unknown (no worker answered)',
      'revoke-AKIA1  revocation  completed  (started 2025-06-01T07:00:00.000Z)',
    ]);
    assert.deepEqual(listText([]), ['no matching workflows']);
  });
});
