import { approverNotificationSection } from './notifications-section';
import type {
  OffboardedUser,
  OffboardingStatus,
  PriorUserState,
  PurgeStepRecord,
  RestoreRecord,
  UserAction,
} from '../../domain/offboarding-report';
import { purgeStepsFor } from '../../domain/offboarding-report';
import { csvDocument } from './csv';
import { safeJson } from './json';
import { approvalLines, table } from './markdown';

/** Where one offboarded user stands, from its record. */
export type OffboardedUserState =
  'pending' | 'containment-incomplete' | 'contained' | 'purging' | 'purged' | 'restored' | 'failed';

export const USER_STATE_ORDER: readonly OffboardedUserState[] = [
  'pending',
  'containment-incomplete',
  'contained',
  'purging',
  'purged',
  'restored',
  'failed',
];

/** Restored and purged are final even after an earlier error; the error itself is always shown too. */
export function offboardedUserState(user: OffboardedUser): OffboardedUserState {
  if (user.restore) return 'restored';
  if (user.actions.some((a) => a.action === 'purged')) return 'purged';
  // Half contained (keys off but no deny policy, or the reverse): never shown as contained.
  if (user.containment !== undefined && user.containedAt === undefined && user.purgeSteps.length === 0) {
    return 'containment-incomplete';
  }
  if (user.error !== undefined) return 'failed';
  if (user.purgeSteps.length > 0) return 'purging';
  return user.containedAt === undefined ? 'pending' : 'contained';
}

export function formatUserStates(users: readonly OffboardedUser[]): string {
  const counts = new Map<OffboardedUserState, number>();
  for (const user of users) {
    const state = offboardedUserState(user);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const parts = USER_STATE_ORDER.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The headline figure in milliseconds and seconds, e.g. `1234 ms (1.234 s)`. */
export function formatTimeToContainment(ms: number | undefined): string {
  return ms === undefined ? 'not measured yet' : `${ms} ms (${(ms / 1000).toFixed(3)} s)`;
}

export function containmentCompleteText(status: OffboardingStatus): string {
  if (status.containmentComplete === undefined) return 'not known yet';
  if (status.containmentComplete) return 'yes';
  const missing = status.users.filter((u) => u.containedAt === undefined);
  const half = missing.filter((u) => u.containment !== undefined);
  const detail = half.map((u) => `${u.accountId}/${u.userName}: ${stepsText(u)}`).join('; ');
  return `no: ${missing.length} of ${status.users.length} matched user(s) could not be contained${detail ? ` (${detail})` : ''}`;
}

/** What each containment step of a half-contained user achieved, e.g. `keys deactivated, deny policy NOT attached`. */
export function stepsText(user: OffboardedUser): string {
  const steps = user.containment;
  if (steps === undefined)
    return user.containedAt ? 'keys deactivated, deny policy attached' : 'not contained';
  return `keys ${steps.keysDeactivated ? 'deactivated' : 'NOT all deactivated'}, deny policy ${
    steps.denyPolicyAttached ? 'attached' : 'NOT attached'
  }`;
}

/**
 * The line a reader must not miss when the run did not end (or is not going) the happy way:
 * accounts not searched, a leaver found nowhere, an escalation. Undefined otherwise.
 */
export function attentionText(status: OffboardingStatus): string | undefined {
  const notCovered = status.accountsNotCovered ?? [];
  switch (status.phase) {
    case 'incomplete':
      return `INCOMPLETE: ${notCovered.length > 0 ? `accounts never searched: ${notCovered.join(', ')}; the leaver may still have IAM users there` : (status.error ?? 'not every account was searched')}`;
    case 'not-found':
      return 'NOT FOUND: no IAM user matched the leaver in any account in scope; nothing was contained';
    case 'escalated':
      return `ESCALATED: no decision within the approval timeout (${(status.escalations ?? []).length} time(s), last at ${
        status.escalations?.at(-1) ?? 'unknown'
      }); every user stays contained until a person approves, rejects or cancels`;
    case 'retrying-accounts':
      return `SEARCHING: no user found yet; ${status.accountsFailed.length} account(s) did not answer and are searched again`;
    default:
      return undefined;
  }
}

export interface AccountGroup {
  accountId: string;
  accountName?: string;
  /** `failed`: the search failed and is retried (or was, when the run ended); `skipped` by an operator. */
  result: 'searched' | 'failed' | 'skipped' | 'not searched';
  error?: string;
  users: OffboardedUser[];
}

/** Every account the run knows of (searched, failed, or holding a user), sorted by account ID. */
export function accountGroups(status: OffboardingStatus): AccountGroup[] {
  const skippedAccounts = status.accountsSkipped ?? [];
  const ids = new Set([
    ...status.accountsSearched,
    ...status.accountsFailed.map((f) => f.accountId),
    ...skippedAccounts.map((s) => s.accountId),
    ...status.users.map((u) => u.accountId),
  ]);
  return [...ids].sort().map((accountId) => {
    const users = status.users
      .filter((u) => u.accountId === accountId)
      .sort((a, b) => a.userName.localeCompare(b.userName));
    const failed = status.accountsFailed.find((f) => f.accountId === accountId);
    const skipped = skippedAccounts.find((s) => s.accountId === accountId);
    const searched = status.accountsSearched.includes(accountId);
    const group: AccountGroup = {
      accountId,
      result: searched ? 'searched' : failed ? 'failed' : skipped ? 'skipped' : 'not searched',
      users,
    };
    const accountName = users.find((u) => u.accountName)?.accountName;
    if (accountName !== undefined) group.accountName = accountName;
    if (failed && !searched) {
      const tries = failed.attempts === undefined ? '' : ` (${failed.attempts} attempt(s)`;
      const next = failed.nextAttemptAt ? `; next at ${failed.nextAttemptAt})` : tries ? ')' : '';
      group.error = `${failed.error}${tries}${next}`;
    } else if (skipped && !searched) {
      group.error = `skipped by ${skipped.by} at ${skipped.at}: ${skipped.reason}`;
    }
    return group;
  });
}

export function accountTitle(group: Pick<AccountGroup, 'accountId' | 'accountName'>): string {
  return group.accountName && group.accountName !== group.accountId
    ? `${group.accountId} (${group.accountName})`
    : group.accountId;
}

/** `3 searched, 1 could not be searched (retried), 1 skipped`. */
export function accountsText(status: OffboardingStatus): string {
  const skipped = (status.accountsSkipped ?? []).length;
  const retried =
    status.finishedAt === undefined && status.accountsFailed.length > 0
      ? ' (searched again with backoff)'
      : '';
  return `${status.accountsSearched.length} searched, ${status.accountsFailed.length} could not be searched${retried}${
    skipped > 0 ? `, ${skipped} skipped by an operator` : ''
  }`;
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));
const yesNo = (value: boolean) => (value ? 'yes' : 'no');
const NOT_READ = 'not read';

/** The prior state as labelled facts: identifiers and statuses only. */
export function priorStateFacts(prior: PriorUserState): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['Access keys', list(prior.accessKeys.map((k) => `${k.id} (${k.status})`))],
  ];
  if (prior.uncertainKeyIds.length > 0) {
    facts.push(['Keys whose prior status is uncertain', list(prior.uncertainKeyIds)]);
  }
  const unread = prior.credentialsUnread === true;
  facts.push(
    ['Console login profile', unread ? NOT_READ : yesNo(prior.loginProfile)],
    ['Attached policies', list(prior.attachedPolicyArns)],
    ['Inline policies', list(prior.inlinePolicyNames)],
    ['Groups', list(prior.groups)],
    ['MFA devices', unread ? NOT_READ : list(prior.mfaDevices)],
    ['SSH public keys', unread ? NOT_READ : list(prior.sshPublicKeys.map((k) => `${k.id} (${k.status})`))],
    [
      'Signing certificates',
      unread ? NOT_READ : list(prior.signingCertificates.map((c) => `${c.id} (${c.status})`)),
    ],
  );
  if (prior.replacedPolicyDocument !== undefined) {
    facts.push([
      'Policy replaced by the containment policy',
      'yes (it had the same name; its document is recorded for restore)',
    ]);
  }
  return facts;
}

export function priorStateSummary(prior: PriorUserState | undefined): string {
  if (!prior) return 'not recorded';
  return [
    `${prior.source} at ${prior.capturedAt}`,
    ...priorStateFacts(prior).map(([label, value]) => `${label.toLowerCase()}: ${value}`),
  ].join('; ');
}

export function restoreFacts(restore: RestoreRecord): Array<[string, string]> {
  return [
    ['Restored at', restore.at],
    ['Reactivated keys', list(restore.reactivatedKeyIds)],
    ['Left inactive (inactive before containment)', list(restore.leftInactiveKeyIds)],
    ['Missing keys (no longer exist)', list(restore.missingKeyIds)],
    ['Unexpected keys (created after containment, left inactive)', list(restore.unexpectedKeyIds)],
    ['Containment policy removed', yesNo(restore.policyRemoved)],
    ['Earlier policy of the same name put back', yesNo(restore.policyPutBack)],
  ];
}

export function restoreSummary(restore: RestoreRecord): string {
  return restoreFacts(restore)
    .map(([label, value]) => `${label.toLowerCase()}: ${value}`)
    .join('; ');
}

interface PurgeRow {
  step: string;
  status: string;
  items: string[];
  reason: string;
  at: string;
}

/**
 * The purge steps in order: the recorded ones, then (once purging was approved) the steps of the
 * mode that did not run, as `pending` while purging goes on and `not run` once it stopped.
 */
function purgeRows(status: OffboardingStatus, user: OffboardedUser): PurgeRow[] {
  const rows: PurgeRow[] = user.purgeSteps.map((r) => ({
    step: r.step,
    status: r.status,
    items: r.items,
    reason: r.reason ?? '',
    at: r.at,
  }));
  if (status.approval.decision?.outcome !== 'approved' || offboardedUserState(user) === 'purged') return rows;
  const done = new Set(user.purgeSteps.map((r) => r.step));
  const running = status.phase === 'purging' && user.error === undefined;
  // The reason the purge stopped goes on the first step that did not run.
  let stop = running ? '' : user.error ? `stopped after an error: ${user.error}` : 'stopped';
  for (const step of purgeStepsFor(status.purgeMode)) {
    if (done.has(step)) continue;
    rows.push({ step, status: running ? 'pending' : 'not run', items: [], reason: stop, at: '' });
    stop = '';
  }
  return rows;
}

function userSection(status: OffboardingStatus, user: OffboardedUser): string[] {
  const contained =
    user.containedAt === undefined
      ? `not contained${user.containment ? `: ${stepsText(user)}` : ''}`
      : `${user.containedAt}${user.alreadyContained ? ' (the containment policy was already in place)' : ''}`;
  const lines = [
    `### User ${user.userName}`,
    '',
    `- Matched by: ${user.matchedBy}`,
    `- State: **${offboardedUserState(user)}**`,
    `- Contained at: ${contained}`,
  ];
  if (user.sessionsIssuedBefore !== undefined) {
    lines.push(`- Sessions issued before ${user.sessionsIssuedBefore}: denied by the deny policy`);
  }
  if (user.error !== undefined) lines.push(`- Error: ${user.error}`);
  lines.push('');
  if (user.prior) {
    const source =
      user.prior.source === 'observed'
        ? 'observed before keywarden changed anything'
        : 'inferred: the containment policy was already on the user; check the uncertain keys';
    lines.push(
      `Prior state (captured ${user.prior.capturedAt}, ${source}):`,
      '',
      ...priorStateFacts(user.prior).map(([label, value]) => `- ${label}: ${value}`),
      '',
    );
  } else {
    lines.push('Prior state: not recorded.', '');
  }
  lines.push('Actions:', '');
  lines.push(
    ...(user.actions.length === 0
      ? ['None recorded.']
      : table(
          ['Time', 'Action', 'Detail'],
          user.actions.map((a) => [a.at, a.action, a.detail ?? '']),
        )),
    '',
  );
  const purge = purgeRows(status, user);
  if (purge.length > 0) {
    lines.push(
      `Purge steps (${status.purgeMode}), in order:`,
      '',
      ...table(
        ['#', 'Step', 'Status', 'Items', 'Reason', 'At'],
        purge.map((r, i) => [String(i + 1), r.step, r.status, list(r.items), r.reason, r.at]),
      ),
      '',
    );
  }
  if (user.restore) {
    lines.push(
      'Restore:',
      '',
      ...restoreFacts(user.restore).map(([label, value]) => `- ${label}: ${value}`),
      '',
    );
  }
  return lines;
}

/** The offboarding report for people: the headline figures, the approval, then each account and user. */
export function renderOffboardingMarkdown(status: OffboardingStatus): string {
  const groups = accountGroups(status);
  const decision = status.approval.decision;
  const attention = attentionText(status);
  const notCovered = status.accountsNotCovered ?? [];
  const lines = [
    `# keywarden offboarding of employee ${status.employeeId}`,
    '',
    ...(attention ? [`> **${attention}**`, ''] : []),
    ...table(
      ['Field', 'Value'],
      [
        ['Employee', status.employeeId],
        ['Workflow ID', status.workflowId],
        ['Phase', status.phase],
        ['Purge mode', status.purgeMode],
        ['Requested at', status.requestedAt],
        ['Contained at', status.containedAt ?? 'not yet'],
        ['Time to containment', `**${formatTimeToContainment(status.timeToContainmentMs)}**`],
        ['Containment complete', containmentCompleteText(status)],
        ['Accounts', accountsText(status)],
        ...(notCovered.length > 0 ? [['Accounts not covered', notCovered.join(', ')]] : []),
        ...((status.escalations ?? []).length > 0
          ? [['Escalations', `${status.escalations!.length}: ${status.escalations!.join(', ')}`]]
          : []),
        ['Users', `${status.users.length} matched: ${formatUserStates(status.users)}`],
        ['Decision', decision ? `${decision.outcome}: ${decision.reason}` : 'none'],
        ...(status.finishedAt ? [['Finished at', status.finishedAt]] : []),
        ...(status.error ? [['Error', status.error]] : []),
      ],
    ),
    '',
    '## Approval',
    '',
    ...approvalLines(status.approval),
    '',
    ...approverNotificationSection(status.notifications),
    '## Accounts',
    '',
  ];
  lines.push(
    ...(groups.length === 0
      ? ['No account was searched.']
      : table(
          ['Account', 'Name', 'Search', 'Users matched', 'Error'],
          groups.map((g) => [
            g.accountId,
            g.accountName ?? '',
            g.result,
            g.users.length === 0 ? '0' : `${g.users.length}: ${formatUserStates(g.users)}`,
            g.error ?? '',
          ]),
        )),
    '',
  );
  for (const group of groups) {
    if (group.users.length === 0) continue;
    lines.push(`## Account ${accountTitle(group)}`, '');
    for (const user of group.users) lines.push(...userSection(status, user));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export const OFFBOARDING_CSV_COLUMNS = [
  'employee_id',
  'workflow_id',
  'phase',
  'purge_mode',
  'requested_at',
  'contained_at',
  'time_to_containment_ms',
  'containment_complete',
  'account_id',
  'account_name',
  'account_search',
  'user_name',
  'matched_by',
  'user_state',
  'user_contained_at',
  'already_contained',
  'prior_state',
  'event',
  'event_at',
  'purge_step',
  'step_status',
  'items',
  'detail',
  'user_error',
] as const;

type OffboardingCsvRow = Record<(typeof OFFBOARDING_CSV_COLUMNS)[number], string>;

const NO_EVENT = { event: '', event_at: '', purge_step: '', step_status: '', items: '', detail: '' };

function eventCells(
  action: UserAction,
  step: PurgeStepRecord | undefined,
  restore: RestoreRecord | undefined,
): typeof NO_EVENT {
  const cells = { ...NO_EVENT, event: action.action, event_at: action.at, detail: action.detail ?? '' };
  if (action.action === 'purge-step' && step) {
    return {
      ...cells,
      purge_step: step.step,
      step_status: step.status,
      items: step.items.join(' '),
      detail: step.reason ?? '',
    };
  }
  if (action.action === 'restored' && restore) {
    return { ...cells, detail: [action.detail, restoreSummary(restore)].filter(Boolean).join('; ') };
  }
  return cells;
}

/**
 * One row per recorded event (matched, contained, each purge step, purged, restored, failed) of
 * every user, with the run's and the user's facts repeated on each row so that any column filters
 * cleanly in a spreadsheet; an account that failed or matched no one gets one row of its own.
 */
export function renderOffboardingCsv(status: OffboardingStatus): string {
  const run = {
    employee_id: status.employeeId,
    workflow_id: status.workflowId,
    phase: status.phase,
    purge_mode: status.purgeMode,
    requested_at: status.requestedAt,
    contained_at: status.containedAt ?? '',
    time_to_containment_ms:
      status.timeToContainmentMs === undefined ? '' : String(status.timeToContainmentMs),
    containment_complete:
      status.containmentComplete === undefined ? '' : status.containmentComplete ? 'yes' : 'no',
  };
  const noUser = {
    user_name: '',
    matched_by: '',
    user_state: '',
    user_contained_at: '',
    already_contained: '',
    prior_state: '',
    user_error: '',
  };
  const rows: OffboardingCsvRow[] = [];
  for (const group of accountGroups(status)) {
    const account = {
      account_id: group.accountId,
      account_name: group.accountName ?? '',
      account_search: group.result,
    };
    if (group.users.length === 0) {
      rows.push({
        ...run,
        ...account,
        ...noUser,
        ...NO_EVENT,
        event:
          group.result === 'failed' ? 'search-failed' : group.result === 'skipped' ? 'skipped' : 'no-match',
        detail: group.error ?? '',
      });
      continue;
    }
    for (const user of group.users) {
      const base = {
        ...run,
        ...account,
        user_name: user.userName,
        matched_by: user.matchedBy,
        user_state: offboardedUserState(user),
        user_contained_at: user.containedAt ?? '',
        already_contained: user.alreadyContained === undefined ? '' : yesNo(user.alreadyContained),
        prior_state: priorStateSummary(user.prior),
        user_error: user.error ?? '',
      };
      // Purge-step actions and purge-step records are written in the same order, one for one.
      let nextStep = 0;
      for (const action of user.actions) {
        const step = action.action === 'purge-step' ? user.purgeSteps[nextStep++] : undefined;
        rows.push({ ...base, ...eventCells(action, step, user.restore) });
      }
      for (const step of user.purgeSteps.slice(nextStep)) {
        rows.push({
          ...base,
          ...eventCells({ action: 'purge-step', at: step.at }, step, undefined),
        });
      }
      if (user.actions.length === 0 && user.purgeSteps.length === 0) rows.push({ ...base, ...NO_EVENT });
    }
  }
  return csvDocument(OFFBOARDING_CSV_COLUMNS, rows);
}

/** The status as the workflow reported it, for tools. */
export function renderOffboardingJson(status: OffboardingStatus): string {
  return safeJson(status);
}
