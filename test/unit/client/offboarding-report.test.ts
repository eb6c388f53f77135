import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PURGE_STEPS } from '../../../domain/offboarding-report';
import {
  OFFBOARDING_CSV_COLUMNS,
  formatTimeToContainment,
  offboardedUserState,
  renderOffboardingCsv,
  renderOffboardingJson,
  renderOffboardingMarkdown,
} from '../../../client/report/offboarding';
import { offboardingStatusText } from '../../../client/report/status-text';
import {
  SKIPPED_REASON,
  approvalState,
  offboardedUser,
  offboardingStatus,
  parseCsv,
  purgedUser,
  restoredOffboardingStatus,
} from './fixtures';

type Column = (typeof OFFBOARDING_CSV_COLUMNS)[number];

function csvRecords(text: string): Array<Record<Column, string>> {
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, [...OFFBOARDING_CSV_COLUMNS]);
  return rows.map((r) => {
    assert.equal(r.length, OFFBOARDING_CSV_COLUMNS.length, 'every row has every column');
    return Object.fromEntries(OFFBOARDING_CSV_COLUMNS.map((c, i) => [c, r[i]!])) as Record<Column, string>;
  });
}

/** The lines of one `### User` section, up to the next heading. */
function userSection(md: string, userName: string): string {
  const start = md.indexOf(`### User ${userName}\n`);
  assert.ok(start >= 0, `a section for ${userName}`);
  const next = md.slice(start + 1).search(/\n#{2,3} /);
  return next < 0 ? md.slice(start) : md.slice(start, start + 1 + next);
}

describe('offboarding Markdown report', () => {
  const md = renderOffboardingMarkdown(offboardingStatus());

  test('the header: employee, workflow, phase, purge mode, request and containment times', () => {
    assert.match(md, /^# keywarden offboarding of employee e-42\n/);
    assert.match(md, /\| Workflow ID \| offboard-e-42 \|/);
    assert.match(md, /\| Phase \| completed \|/);
    assert.match(md, /\| Purge mode \| delete-user \|/);
    assert.match(md, /\| Requested at \| 2025-06-01T09:00:00\.000Z \|/);
    assert.match(md, /\| Contained at \| 2025-06-01T09:00:04\.321Z \|/);
    assert.match(md, /\| Time to containment \| \*\*4321 ms \(4\.321 s\)\*\* \|/);
    assert.match(md, /\| Containment complete \| no: 1 of 2 matched user\(s\) could not be contained \|/);
    assert.equal(formatTimeToContainment(undefined), 'not measured yet');
  });

  test('the approval: approvals, refused attempts with reasons, the decision', () => {
    assert.match(md, /- Approved by security-lead@example\.com at 2025-06-01T09:30:00\.000Z: leaver/);
    assert.match(md, /- Rejected attempt \(approve\) by platform-team@example\.com at .*: self-approval/);
    assert.match(md, /- Decision: \*\*approved\*\* by security-lead@example\.com/);
  });

  test('every account: searched with its matches, failed with its error', () => {
    assert.match(md, /\| 111111111111 \| Prod \| searched \| 1: 1 purged \|/);
    assert.match(md, /\| 333333333333 \| {2}\| failed \| 0 \| AccessDenied: cannot assume role \|/);
    assert.match(md, /\| 444444444444 \| {2}\| searched \| 0 \|/);
    assert.match(md, /## Account 111111111111 \(Prod\)\n/);
    assert.match(md, /## Account 222222222222 \(Dev, "sandbox"\)\n/);
  });

  test('each user: matched by, prior state, containment, every action with its time', () => {
    const jdoe = userSection(md, 'jdoe');
    assert.match(jdoe, /- Matched by: userName/);
    assert.match(jdoe, /- State: \*\*purged\*\*/);
    assert.match(jdoe, /- Contained at: 2025-06-01T09:00:03\.500Z/);
    assert.match(jdoe, /Prior state \(captured 2025-06-01T09:00:03\.000Z, observed/);
    assert.match(jdoe, /- Access keys: AKIALEAVER0000000001 \(Active\), AKIALEAVER0000000002 \(Inactive\)/);
    assert.match(jdoe, /- Console login profile: yes/);
    assert.match(jdoe, /- Groups: developers/);
    assert.match(jdoe, /- MFA devices: arn:aws:iam::111111111111:mfa\/jdoe/);
    assert.match(jdoe, /\| 2025-06-01T09:00:02\.000Z \| matched \| userName \|/);
    assert.match(jdoe, /\| 2025-06-01T09:00:03\.500Z \| contained \| deny policy/);
    assert.match(jdoe, /\| 2025-06-01T10:00:10\.000Z \| purged \| delete-user \|/);

    const failed = userSection(md, 'jdoe+ops@example.com');
    assert.match(failed, /- Matched by: tag:employee-id/);
    assert.match(failed, /- State: \*\*failed\*\*/);
    assert.match(failed, /- Contained at: not contained/);
    assert.match(failed, /- Error: AccessDenied/);
    assert.match(failed, /Prior state: not recorded\./);
  });

  test('purge steps in AWS order, a skipped step with its reason', () => {
    const jdoe = userSection(md, 'jdoe');
    const rows = jdoe.split('\n').filter((l) => /^\| \d+ \| /.test(l));
    assert.deepEqual(
      rows.map((l) => l.split(' | ')[1]),
      [...PURGE_STEPS],
    );
    assert.match(jdoe, /\| 2 \| access-keys \| done \| AKIALEAVER0000000001, AKIALEAVER0000000002 \|/);
    assert.match(
      jdoe,
      new RegExp(`\\| 3 \\| signing-certificates \\| skipped \\| none \\| ${SKIPPED_REASON} \\|`),
    );
    assert.match(jdoe, /\| 4 \| ssh-public-keys \| nothing-to-do \| none \|/);
  });

  test('a purge that stopped lists the steps that did not run, with the error', () => {
    const user = purgedUser();
    const stopped = {
      ...user,
      purgeSteps: user.purgeSteps.slice(0, 2),
      actions: user.actions.filter((a) => a.action !== 'purged'),
      error: 'Throttling: rate exceeded',
    };
    const text = renderOffboardingMarkdown(offboardingStatus({ users: [stopped] }));
    assert.equal(offboardedUserState(stopped), 'failed');
    assert.match(
      text,
      /\| 3 \| signing-certificates \| not run \| none \| stopped after an error: Throttling/,
    );
    assert.match(text, /\| 10 \| user \| not run \| none \| {2}\| {2}\|/);
  });

  test('a restore: reactivated, left inactive, unexpected keys, the policy removed', () => {
    const text = renderOffboardingMarkdown(restoredOffboardingStatus());
    const jdoe = userSection(text, 'jdoe');
    assert.match(jdoe, /- State: \*\*restored\*\*/);
    assert.match(jdoe, /Restore:\n\n- Restored at: 2025-06-01T09:45:00\.000Z/);
    assert.match(jdoe, /- Reactivated keys: AKIALEAVER0000000001/);
    assert.match(jdoe, /- Left inactive \(inactive before containment\): AKIALEAVER0000000002/);
    assert.match(jdoe, /- Missing keys \(no longer exist\): none/);
    assert.match(
      jdoe,
      /- Unexpected keys \(created after containment, left inactive\): AKIANEWER00000000003/,
    );
    assert.match(jdoe, /- Containment policy removed: yes/);
    assert.match(jdoe, /- Earlier policy of the same name put back: no/);
    assert.doesNotMatch(jdoe, /Purge steps/);
    assert.match(text, /- Decision: \*\*rejected\*\* by ciso@example\.com/);
  });
});

describe('offboarding CSV report', () => {
  const records = csvRecords(renderOffboardingCsv(offboardingStatus()));

  test('one row per event of each user, plus one per account that failed or matched no one', () => {
    assert.deepEqual(
      records.map((r) => [r.account_id, r.user_name, r.event, r.purge_step]),
      [
        ['111111111111', 'jdoe', 'matched', ''],
        ['111111111111', 'jdoe', 'contained', ''],
        ...PURGE_STEPS.map((step) => ['111111111111', 'jdoe', 'purge-step', step]),
        ['111111111111', 'jdoe', 'purged', ''],
        ['222222222222', 'jdoe+ops@example.com', 'matched', ''],
        ['222222222222', 'jdoe+ops@example.com', 'failed', ''],
        ['333333333333', '', 'search-failed', ''],
        ['444444444444', '', 'no-match', ''],
      ],
    );
  });

  test('the run figures on every row; step status, items and reason in their own columns', () => {
    assert.ok(records.every((r) => r.time_to_containment_ms === '4321' && r.employee_id === 'e-42'));
    assert.ok(records.every((r) => r.requested_at === '2025-06-01T09:00:00.000Z'));
    const skipped = records.find((r) => r.purge_step === 'signing-certificates')!;
    assert.equal(skipped.step_status, 'skipped');
    assert.equal(skipped.detail, SKIPPED_REASON);
    const keys = records.find((r) => r.purge_step === 'access-keys')!;
    assert.equal(keys.items, 'AKIALEAVER0000000001 AKIALEAVER0000000002');
    assert.equal(keys.user_state, 'purged');
    assert.match(
      keys.prior_state,
      /^observed at 2025-06-01T09:00:03\.000Z; access keys: AKIALEAVER0000000001 \(Active\)/,
    );
    assert.equal(
      records.find((r) => r.event === 'search-failed')!.detail,
      'AccessDenied: cannot assume role',
    );
  });

  test('commas and quotes survive quoting; lines end with CRLF', () => {
    const text = renderOffboardingCsv(offboardingStatus());
    assert.ok(text.includes('"Dev, ""sandbox"""'));
    assert.ok(text.endsWith('\r\n'));
    const failed = records.find((r) => r.event === 'failed')!;
    assert.equal(failed.account_name, 'Dev, "sandbox"');
    assert.equal(failed.detail, 'AccessDenied: not authorized to perform iam:PutUserPolicy, "deny"');
    assert.equal(failed.user_error, failed.detail);
    assert.equal(failed.user_state, 'failed');
  });

  test('a restore row carries the restore record', () => {
    const restored = csvRecords(renderOffboardingCsv(restoredOffboardingStatus())).find(
      (r) => r.event === 'restored',
    )!;
    assert.equal(restored.event_at, '2025-06-01T09:45:00.000Z');
    assert.match(restored.detail, /^rejected; restored at: [^;]+; reactivated keys: AKIALEAVER0000000001;/);
    assert.match(
      restored.detail,
      /unexpected keys \(created after containment, left inactive\): AKIANEWER00000000003/,
    );
  });
});

describe('offboarding JSON report', () => {
  test('the status as reported, parseable', () => {
    const status = offboardingStatus();
    assert.deepEqual(JSON.parse(renderOffboardingJson(status)), JSON.parse(JSON.stringify(status)));
  });
});

describe('offboarding status text', () => {
  test('phase, times, time to containment, users by account with their state, approval, failures', () => {
    const lines = offboardingStatusText('offboard-e-42', offboardingStatus(), 'http://ui/wf/offboard-e-42');
    const text = lines.join('\n');
    assert.equal(lines[0], 'offboarding: offboard-e-42 (employee e-42)');
    assert.match(text, /^phase: +completed$/m);
    assert.match(text, /^requested: +2025-06-01T09:00:00\.000Z$/m);
    assert.match(text, /^contained: +2025-06-01T09:00:04\.321Z$/m);
    assert.match(text, /^time to containment: 4321 ms \(4\.321 s\)$/m);
    assert.match(text, /^complete: +no: 1 of 2 matched user\(s\) could not be contained$/m);
    assert.match(text, /^users: +2 matched: 1 purged, 1 failed$/m);
    assert.match(
      text,
      /^ {2}111111111111 \(Prod\)\n {4}jdoe: purged \(contained at 2025-06-01T09:00:03\.500Z\)$/m,
    );
    assert.match(text, /^ {4}jdoe\+ops@example\.com: failed \(error: AccessDenied/m);
    assert.match(text, /approved by security-lead@example\.com at 2025-06-01T09:30:00\.000Z \("leaver"\)/);
    assert.match(text, /rejected approve from platform-team@example\.com at .*: self-approval/);
    assert.match(text, /^decision: +approved by security-lead@example\.com/m);
    assert.match(text, /^failed accounts:\n {2}333333333333: AccessDenied: cannot assume role$/m);
    assert.match(text, /^workflow: +http:\/\/ui\/wf\/offboard-e-42$/m);
    assert.doesNotMatch(text, /[{}]/, 'no JSON dump');
  });

  test('while awaiting approval: contained users and the approvals still needed', () => {
    const text = offboardingStatusText(
      'offboard-e-42',
      offboardingStatus({
        phase: 'awaiting-approval',
        containmentComplete: true,
        users: [offboardedUser()],
        accountsFailed: [],
        finishedAt: undefined,
        approval: approvalState({ deadline: '2025-06-02T09:00:00.000Z' }),
      }),
    ).join('\n');
    assert.match(text, /^complete: +yes$/m);
    assert.match(text, /^ {4}jdoe: contained \(contained at /m);
    assert.match(text, /^pending: +1 more approval\(s\) needed/m);
    assert.match(text, /^deadline: +2025-06-02T09:00:00\.000Z \(then reject\)$/m);
  });

  test('still discovering: nothing measured yet, no users', () => {
    const text = offboardingStatusText(
      'offboard-e-42',
      offboardingStatus({
        phase: 'discovering',
        containedAt: undefined,
        timeToContainmentMs: undefined,
        containmentComplete: undefined,
        users: [],
        accountsSearched: [],
        accountsFailed: [],
        finishedAt: undefined,
        approval: approvalState(),
      }),
    ).join('\n');
    assert.match(text, /^contained: +not yet$/m);
    assert.match(text, /^time to containment: not measured yet$/m);
    assert.match(text, /^users: +none matched$/m);
  });

  test('a restored user shows when it was restored', () => {
    const text = offboardingStatusText('offboard-e-42', restoredOffboardingStatus()).join('\n');
    assert.match(text, /^phase: +restored$/m);
    assert.match(text, /^ {4}jdoe: restored \(restored at 2025-06-01T09:45:00\.000Z\)$/m);
    assert.match(text, /^decision: +rejected by ciso@example\.com/m);
  });
});

describe('offboarding report: runs that did not end the happy way say so first', () => {
  const halfContained = offboardedUser({
    accountId: '222222222222',
    userName: 'mallory',
    containedAt: undefined,
    alreadyContained: undefined,
    containment: {
      keysDeactivated: true,
      denyPolicyAttached: false,
      failures: ['putting the deny policy: LimitExceeded: Cannot exceed quota for PolicySize: 2048'],
    },
    error: 'containment incomplete: keys deactivated; deny policy NOT attached',
    actions: [
      { action: 'matched', at: '2025-06-01T09:00:02.000Z', detail: 'userName' },
      {
        action: 'containment-incomplete',
        at: '2025-06-01T09:00:03.000Z',
        detail: 'keys deactivated; deny policy NOT attached (LimitExceeded)',
      },
    ],
  });

  test('incomplete: the accounts never searched, skipped or still failing, in the headline and the table', () => {
    const status = offboardingStatus({
      phase: 'incomplete',
      accountsNotCovered: ['333333333333', '555555555555'],
      accountsFailed: [{ accountId: '333333333333', error: 'AccessDenied: cannot assume role', attempts: 7 }],
      accountsSkipped: [
        {
          accountId: '555555555555',
          by: 'security-lead@example.com',
          reason: 'closed',
          at: '2025-06-01T11:00:00.000Z',
        },
      ],
      error: '2 account(s) in scope were never searched: 333333333333, 555555555555',
    });
    const md = renderOffboardingMarkdown(status);
    assert.match(
      md,
      /^> \*\*INCOMPLETE: accounts never searched: 333333333333, 555555555555; the leaver may still have IAM users there\*\*$/m,
    );
    assert.match(md, /^\| Accounts not covered \| 333333333333, 555555555555 \|$/m);
    assert.match(
      md,
      /^\| 333333333333 \| +\| failed \| 0 \| AccessDenied: cannot assume role \(7 attempt\(s\)\) \|$/m,
    );
    assert.match(
      md,
      /^\| 555555555555 \| +\| skipped \| 0 \| skipped by security-lead@example\.com at 2025-06-01T11:00:00\.000Z: closed \|$/m,
    );
    const text = offboardingStatusText('offboard-e-42', status).join('\n');
    assert.match(text, /^attention: +INCOMPLETE: accounts never searched: 333333333333, 555555555555/m);
    assert.match(text, /^skipped accounts:\n {2}555555555555: skipped by security-lead@example\.com/m);
    const rows = csvRecords(renderOffboardingCsv(status));
    assert.deepEqual(
      rows.filter((r) => r.user_name === '').map((r) => [r.account_id, r.account_search, r.event]),
      [
        ['333333333333', 'failed', 'search-failed'],
        ['444444444444', 'searched', 'no-match'],
        ['555555555555', 'skipped', 'skipped'],
      ],
    );
  });

  test('not-found and escalated are named in the headline', () => {
    const notFound = renderOffboardingMarkdown(
      offboardingStatus({ phase: 'not-found', users: [], accountsFailed: [] }),
    );
    assert.match(
      notFound,
      /^> \*\*NOT FOUND: no IAM user matched the leaver in any account in scope; nothing was contained\*\*$/m,
    );
    const escalated = offboardingStatus({
      phase: 'escalated',
      escalations: ['2025-06-02T09:00:05.000Z', '2025-06-03T09:00:05.000Z'],
      finishedAt: undefined,
      approval: approvalState({ openedAt: '2025-06-01T09:00:05.000Z' }),
    });
    const md = renderOffboardingMarkdown(escalated);
    assert.match(
      md,
      /^> \*\*ESCALATED: no decision within the approval timeout \(2 time\(s\), last at 2025-06-03T09:00:05\.000Z\); every user stays contained until a person approves, rejects or cancels\*\*$/m,
    );
    assert.match(md, /^\| Escalations \| 2: 2025-06-02T09:00:05\.000Z, 2025-06-03T09:00:05\.000Z \|$/m);
    assert.match(offboardingStatusText('offboard-e-42', escalated).join('\n'), /^attention: +ESCALATED/m);
  });

  test('a half-contained user is containment-incomplete, never contained, with what each step did', () => {
    assert.equal(offboardedUserState(halfContained), 'containment-incomplete');
    const status = offboardingStatus({
      phase: 'awaiting-approval',
      users: [halfContained],
      finishedAt: undefined,
    });
    const md = renderOffboardingMarkdown(status);
    assert.match(
      md,
      /^\| Containment complete \| no: 1 of 1 matched user\(s\) could not be contained \(222222222222\/mallory: keys deactivated, deny policy NOT attached\) \|$/m,
    );
    assert.match(userSection(md, 'mallory'), /^- State: \*\*containment-incomplete\*\*$/m);
    assert.match(
      userSection(md, 'mallory'),
      /^- Contained at: not contained: keys deactivated, deny policy NOT attached$/m,
    );
  });
});
