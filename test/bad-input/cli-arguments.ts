import { hexToBytes, publicKeyOf } from '../../domain/approval-signature';
import type { CliCase } from './corpus-case';

const GOOD_SPEC =
  'id: bad-cli-schedule\nname: x\ninitiator: ops@example.com\nscope: { allAccounts: true }\napproval: { approvers: [alice@example.com] }\n';

/** The options of a valid `keywarden offboard`: each case below changes one. */
const OFFBOARD = ['offboard', '--employee', 'bad-cli-e1', '--initiator', 'hr@example.com'];
const OFFBOARD_OK = [...OFFBOARD, '--approver', 'bob@example.com', '--email', 'mallory@example.com'];
const OFFBOARD_ID = ['offboard-bad-cli-e1'];
const OFFBOARD_REQUEST = 'invalid offboarding request (the fields map to options';

const PRIVATE_KEY = '11'.repeat(32);
const KEY_FILE = (approver: string) =>
  JSON.stringify({
    kind: 'keywarden-approval-key',
    approver,
    privateKey: PRIVATE_KEY,
    publicKey: publicKeyOf(hexToBytes(PRIVATE_KEY)),
  });

/** Arguments and options of every command a person types. */
export const CLI_ARGUMENT_CASES: CliCase[] = [
  { name: 'an unknown command', args: ['rotat', 'spec.yaml'], refusal: ["unknown command 'rotat'"] },
  {
    name: 'an unknown option',
    args: ['status', 'x', '--frobnicate'],
    refusal: ["unknown option '--frobnicate'"],
  },
  {
    name: 'rotate without its spec file',
    args: ['rotate'],
    refusal: ["missing required argument 'spec-file'"],
  },
  {
    name: 'rotate of a file that does not exist',
    args: ['rotate', '{dir}/nope.yaml'],
    refusal: [/spec file .*nope\.yaml does not exist/],
  },
  {
    name: 'rotate of a directory',
    args: ['rotate', '{dir}'],
    refusal: ['is a directory: give a .yaml or .json file'],
  },
  {
    name: 'a report format that does not exist',
    args: ['report', 'x', '--format', 'xml'],
    refusal: ["argument 'xml' is invalid. Allowed choices are md, csv, json, html, asff"],
  },
  {
    name: 'an empty approver',
    args: ['approve', 'x', '--approver', ' '],
    refusal: ['--approver: a principal must not be empty'],
  },
  {
    name: 'approve without saying who approves',
    args: ['approve', 'x'],
    refusal: ['say who you are with --approver <who> (or sign with --key <file>)'],
  },
  {
    name: 'an approval key file others can read',
    args: ['approve', 'x', '--key', '{dir}/alice.json'],
    files: { 'alice.json': { text: KEY_FILE('alice@example.com'), mode: 0o644 } },
    refusal: ['is readable by others (mode 644): run chmod 600'],
  },
  {
    name: 'an approval key file that is not one',
    args: ['approve', 'x', '--key', '{dir}/alice.json'],
    files: { 'alice.json': '{"kind": "something-else"}' },
    refusal: ['is not a keywarden approval key (kind is wrong): make one with keywarden keygen'],
  },
  {
    name: 'a signature valid for longer than 30 days',
    args: ['approve', 'x', '--key', '{dir}/alice.json', '--valid-for', '31d'],
    files: { 'alice.json': KEY_FILE('alice@example.com') },
    refusal: ['--valid-for: at most 30d'],
  },
  {
    name: 'an offboarding without an approver',
    args: [...OFFBOARD, '--email', 'mallory@example.com'],
    refusal: ['name at least one approver with --approver <who>'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'an offboarding approved by its own initiator',
    args: [...OFFBOARD, '--approver', 'hr@example.com', '--email', 'mallory@example.com'],
    refusal: [OFFBOARD_REQUEST, 'only 0 approvers other than the initiator'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'an offboarding that matches nobody',
    args: [...OFFBOARD, '--approver', 'bob@example.com'],
    refusal: ['match is empty', '→ at match'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'an employee ID with a space and a "!"',
    args: [
      'offboard',
      '--employee',
      'bad id!',
      '--initiator',
      'hr@example.com',
      '--approver',
      'bob@example.com',
      '--email',
      'm@example.com',
    ],
    refusal: ['an employeeId is 1-128 letters, digits or ._@-', '→ at employeeId'],
  },
  {
    name: 'an offboarding that would restore the leaver on timeout',
    args: [...OFFBOARD_OK, '--on-timeout', 'reject'],
    refusal: ["approval.onTimeout must be 'escalate'", 'silence must never restore a leaver'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'an approval timeout in words',
    args: [...OFFBOARD_OK, '--timeout', 'soon'],
    refusal: ['invalid duration', '→ at approval.timeout'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'zero approvals required',
    args: [...OFFBOARD_OK, '--required-approvals', '0'],
    refusal: ['--required-approvals takes a whole number from 1 to 100, not "0"'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'an account ID of 3 digits',
    args: [...OFFBOARD_OK, '--include-account', '123'],
    refusal: ['an account ID is exactly 12 digits', '→ at scope.includeAccounts[0]'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'a purge mode that does not exist',
    args: [...OFFBOARD_OK, '--purge-mode', 'shred'],
    refusal: ['"delete-user"|"strip-credentials"', '→ at purgeMode'],
    wouldStart: OFFBOARD_ID,
  },
  {
    name: 'a rollback of a user name IAM cannot hold',
    args: ['rollback', '123456789012', 'bad user!', '--reason', 'x'],
    refusal: [
      'invalid rollback; nothing was started',
      'an IAM user name is 1-64 characters',
      '→ at userName',
    ],
  },
  {
    name: 'a revocation of something that is not an access key ID',
    args: [
      'revoke',
      'notakey',
      '--initiator',
      'a@example.com',
      '--approver',
      'b@example.com',
      '--reason',
      'x',
    ],
    refusal: ["is not an IAM user's access key ID", '→ at accessKeyId'],
  },
  {
    name: 'a schedule with a cron of two fields',
    args: ['schedule', 'create', '{dir}/spec.yaml', '--cron', '0 6'],
    files: { 'spec.yaml': GOOD_SPEC },
    refusal: ['is not a cron expression: give 5 fields'],
  },
  {
    name: 'a list filter that does not exist',
    args: ['list', '--kind', 'whatever'],
    refusal: ['--kind takes one of campaign, offboarding, revocation'],
  },
  {
    name: 'a port out of range',
    args: ['webhook', '--port', '70000'],
    refusal: ['--port takes a whole number from 0 to 65535, not "70000"'],
  },
];
