/**
 * Every AWS operation keywarden performs, who performs it, on what, and why. The IAM policies
 * that `keywarden iam-policy` prints are generated from this table and from nothing else, and
 * the tests hold the code to it: a unit test finds every AWS command the gateways in
 * activities/aws/ send, and an integration test records every call a rotation and an
 * offboarding make. Adding an AWS call to the code means adding its row here.
 */

/**
 * Who signs the call. `member-role`: the role keywarden assumes in each member account.
 * `worker`: the worker's own principal in the management account (or a delegated
 * administrator). `new-access-key`: the key being rotated, proving that it works; that call
 * (sts:GetCallerIdentity) needs no permission and is in no policy.
 */
export type AwsPrincipal = 'member-role' | 'worker' | 'new-access-key';

/**
 * What an operation acts on, as IAM authorizes it. `any` is an action IAM authorizes on
 * "*" only (it has no resource type), such as iam:ListUsers.
 */
export type AwsResourceKind =
  | 'any'
  | 'iam-user'
  | 'iam-group'
  | 'iam-mfa-device'
  | 'keywarden-secret'
  | 'keywarden-parameter'
  | 'kms-key'
  | 'member-role'
  | 'monitor-queue'
  // Organizations policies and their attachments (keywarden scp --attach): a statement of its own, not a read.
  | 'service-control-policy';

export interface AwsOperation {
  /** `<IAM service prefix>:<API operation>`, which is also the IAM action it needs. */
  operation: string;
  principal: AwsPrincipal;
  resource: AwsResourceKind;
  /** Further IAM actions the operation needs, as the call is made (CreateSecret with Tags needs TagResource). */
  alsoRequires?: readonly string[];
  /** The activities that make the call. */
  calledBy: readonly string[];
  /** What keywarden needs it for, for the person who deploys the policy. */
  purpose: string;
  /**
   * Set when the integration tests cannot make this call on the emulator, saying why. Every
   * other row must show up in the calls those tests record.
   */
  notExercised?: string;
}

const MEMBER_ACTIVITIES = [
  'inventoryAccount',
  'inventoryPage',
  'createAndStageKey',
  'verifyStagedKey',
  'promoteStagedKey',
  'inspectUserKeys',
  'getKeyLastUsed',
  'setAccessKeyStatus',
  'deleteAccessKey',
  'discardNewKey',
  'findMatchingUsers',
  'containUser',
  'containLeaverInAccount',
  'containLeaverInAccounts',
  'readLeaverCredentials',
  'restoreUser',
  'purgeStep',
  'locateAccessKey',
  'denyEarlierSessions',
  'lookUpKey',
  'restorePreviousStoredKey',
] as const;

const member = (
  operation: string,
  resource: AwsResourceKind,
  calledBy: readonly string[],
  purpose: string,
  extra: Partial<Pick<AwsOperation, 'alsoRequires' | 'notExercised'>> = {},
): AwsOperation => ({ operation, principal: 'member-role', resource, calledBy, purpose, ...extra });

const worker = (
  operation: string,
  resource: AwsResourceKind,
  calledBy: readonly string[],
  purpose: string,
  extra: Partial<Pick<AwsOperation, 'notExercised'>> = {},
): AwsOperation => ({ operation, principal: 'worker', resource, calledBy, purpose, ...extra });

export const AWS_OPERATIONS: readonly AwsOperation[] = [
  // The worker, in the management account.
  worker(
    'organizations:ListAccounts',
    'any',
    ['listAccountsInScope', 'locateAccessKey'],
    'find the accounts of the organization (and whether a leaked key belongs to one)',
  ),
  worker(
    'sts:GetAccessKeyInfo',
    'any',
    ['locateAccessKey', 'lookUpKey'],
    'find the account that owns an access key (revoke, whois, doctor)',
  ),
  worker(
    'organizations:ListRoots',
    'any',
    ['listAccountsInScope', 'lookUpKey'],
    "resolve OU names and paths in a scope, and a key's account",
  ),
  worker(
    'organizations:ListOrganizationalUnitsForParent',
    'any',
    ['listAccountsInScope'],
    'resolve OU names and paths in a scope',
  ),
  worker(
    'organizations:ListAccountsForParent',
    'any',
    ['listAccountsInScope'],
    'find which OU each account sits in',
  ),
  worker(
    'organizations:DescribeOrganizationalUnit',
    'any',
    ['listAccountsInScope', 'lookUpKey', 'describeScpTarget', 'attachServiceControlPolicy'],
    "name an OU that the listing did not name; the OU path of a key's account (whois, doctor); check that the OU an SCP is for exists",
  ),
  worker(
    'organizations:DescribeAccount',
    'any',
    ['lookUpKey'],
    "the name and state of a key's account (whois, doctor)",
  ),
  worker('organizations:ListParents', 'any', ['lookUpKey'], "the OU path of a key's account (whois, doctor)"),
  worker(
    'organizations:ListPolicies',
    'service-control-policy',
    ['attachServiceControlPolicy'],
    "find keywarden's service control policy by name (keywarden scp --attach)",
  ),
  worker(
    'organizations:DescribePolicy',
    'service-control-policy',
    ['attachServiceControlPolicy'],
    'check that an SCP of that name holds the approved document before attaching it',
  ),
  worker(
    'organizations:CreatePolicy',
    'service-control-policy',
    ['attachServiceControlPolicy'],
    "create the approved service control policy that limits access key creation to keywarden's role",
  ),
  worker(
    'organizations:AttachPolicy',
    'service-control-policy',
    ['attachServiceControlPolicy'],
    'attach that policy to the approved OU, only after approval',
  ),
  worker(
    'sts:AssumeRole',
    'member-role',
    [...MEMBER_ACTIVITIES],
    'assume the member role in each member account',
  ),

  // The worker: the drift monitor's queue (keywarden monitor).
  worker(
    'sqs:GetQueueAttributes',
    'monitor-queue',
    ['checkMonitorQueue'],
    'check that the monitor queue exists before the monitor starts',
  ),
  worker(
    'sqs:ReceiveMessage',
    'monitor-queue',
    ['pollMonitorQueue'],
    'read the CloudTrail access-key events EventBridge delivers to the monitor queue',
  ),
  worker(
    'sqs:DeleteMessage',
    'monitor-queue',
    ['pollMonitorQueue'],
    'delete each event read (and each message that is not a usable event) from the monitor queue',
  ),

  // The worker: notification e-mail (spec notifications.email), sent from the worker's own account.
  worker(
    'ses:SendEmail',
    'any',
    ['notifyKeyOwner', 'notifyApprovers'],
    'e-mail key owners and approvers (spec notifications.email); the sender must be an SES-verified identity',
  ),

  // The member role: reading users and keys.
  member(
    'iam:ListUsers',
    'any',
    ['inventoryAccount', 'findMatchingUsers', 'locateAccessKey'],
    'list the users of an account',
  ),
  member(
    'iam:GetAccountAuthorizationDetails',
    'any',
    ['containLeaverInAccount', 'containLeaverInAccounts'],
    "find a leaver's users with their tags, groups and policies in one call per 1,000 users (Filter User)",
  ),
  member(
    'iam:GenerateCredentialReport',
    'any',
    ['inventoryPage'],
    'find the users that hold keys without one call per user',
  ),
  member(
    'iam:GetCredentialReport',
    'any',
    ['inventoryPage'],
    'read that report (also: console users without MFA, users with both a password and keys)',
  ),
  member(
    'iam:GetAccountSummary',
    'any',
    ['inventoryPage'],
    "whether the account's root user has access keys (AccountAccessKeysPresent)",
  ),
  member(
    'iam:GetUser',
    'iam-user',
    ['inventoryPage', 'inspectUserKeys', 'lookUpKey'],
    'check that a user still exists before acting on it',
  ),
  member(
    'iam:ListAccessKeys',
    'iam-user',
    [
      'inventoryAccount',
      'inventoryPage',
      'createAndStageKey',
      'inspectUserKeys',
      'containUser',
      'containLeaverInAccount',
      'containLeaverInAccounts',
      'restoreUser',
      'purgeStep',
      'locateAccessKey',
      'lookUpKey',
      'restorePreviousStoredKey',
    ],
    "read a user's keys and their status (and find the user of a leaked key)",
  ),
  member(
    'iam:GetAccessKeyLastUsed',
    'iam-user',
    [
      'inventoryAccount',
      'inventoryPage',
      'createAndStageKey',
      'inspectUserKeys',
      'getKeyLastUsed',
      'lookUpKey',
    ],
    'read when a key was last used (age and use findings, the re-checks before deactivating and deleting); ' +
      'find the user who holds a key (whois, doctor)',
  ),
  member(
    'iam:ListUserTags',
    'iam-user',
    ['inventoryAccount', 'inventoryPage', 'findMatchingUsers', 'lookUpKey', 'purgeStep'],
    "exemptions by tag, finding a leaver by tag, a key's description tag (whois), and a purged user's key descriptions",
  ),
  member(
    'iam:ListGroupsForUser',
    'iam-user',
    ['inventoryAccount', 'inventoryPage', 'containUser', 'purgeStep', 'lookUpKey'],
    "exemptions by group, a leaver's prior state, purging group memberships, a user's permissions (doctor)",
  ),

  // The member role: rotating keys.
  member('iam:CreateAccessKey', 'iam-user', ['createAndStageKey'], 'create the new key'),
  member(
    'iam:TagUser',
    'iam-user',
    ['createAndStageKey'],
    "describe the new key: a user tag named after the key ID (made by, created, stored in), the console's key description; " +
      'and mark the user right before CreateAccessKey, so a retry can tell the key it made if the answer was lost',
  ),
  member(
    'iam:UntagUser',
    'iam-user',
    ['createAndStageKey', 'deleteAccessKey', 'discardNewKey', 'purgeStep'],
    "remove a key's description tag when keywarden deletes the key",
  ),
  member(
    'iam:UpdateAccessKey',
    'iam-user',
    ['setAccessKeyStatus', 'containUser', 'containLeaverInAccount', 'containLeaverInAccounts', 'restoreUser'],
    'deactivate the old key (and reactivate it on rollback); deactivate and restore the keys of a leaver; deactivate a revoked key',
  ),
  member(
    'iam:DeleteAccessKey',
    'iam-user',
    ['deleteAccessKey', 'createAndStageKey', 'discardNewKey', 'purgeStep'],
    'delete an approved old key, a new key that compensation discards, a leaver key on purge',
  ),
  member(
    'iam:ListUserPolicies',
    'iam-user',
    ['inspectUserKeys', 'containUser', 'purgeStep', 'lookUpKey'],
    'find a keywarden deny-all policy on a user; record and purge inline policies',
  ),
  member(
    'iam:GetUserPolicy',
    'iam-user',
    ['inspectUserKeys', 'containUser', 'denyEarlierSessions', 'lookUpKey'],
    'tell a keywarden deny-all policy by its document; read the time a revocation policy denies sessions before',
  ),

  // The member role: offboarding.
  member(
    'iam:PutUserPolicy',
    'iam-user',
    [
      'containUser',
      'containLeaverInAccount',
      'containLeaverInAccounts',
      'restoreUser',
      'denyEarlierSessions',
    ],
    'attach the deny-all containment policy (and put back a policy it replaced); deny the sessions of a revoked key',
  ),
  member(
    'iam:DeleteUserPolicy',
    'iam-user',
    ['restoreUser', 'purgeStep'],
    'remove the containment policy on restore; purge inline policies',
  ),
  member(
    'iam:ListAttachedUserPolicies',
    'iam-user',
    ['containUser', 'purgeStep', 'lookUpKey'],
    'record and purge attached managed policies',
  ),
  member(
    'iam:ListGroupPolicies',
    'iam-group',
    ['lookUpKey'],
    "whether a user's groups grant it anything (doctor: no permissions)",
  ),
  member(
    'iam:ListAttachedGroupPolicies',
    'iam-group',
    ['lookUpKey'],
    "whether a user's groups grant it anything (doctor: no permissions)",
  ),
  member('iam:DetachUserPolicy', 'iam-user', ['purgeStep'], 'purge attached managed policies'),
  member('iam:RemoveUserFromGroup', 'iam-group', ['purgeStep'], 'purge group memberships'),
  member(
    'iam:GetLoginProfile',
    'iam-user',
    ['containUser', 'readLeaverCredentials', 'purgeStep'],
    'record and purge console access',
  ),
  member('iam:DeleteLoginProfile', 'iam-user', ['purgeStep'], 'purge console access'),
  member(
    'iam:ListSigningCertificates',
    'iam-user',
    ['containUser', 'readLeaverCredentials', 'purgeStep'],
    'record and purge signing certificates',
  ),
  member('iam:DeleteSigningCertificate', 'iam-user', ['purgeStep'], 'purge signing certificates'),
  member(
    'iam:ListSSHPublicKeys',
    'iam-user',
    ['containUser', 'readLeaverCredentials', 'purgeStep'],
    'record and purge SSH keys',
  ),
  member('iam:DeleteSSHPublicKey', 'iam-user', ['purgeStep'], 'purge SSH keys'),
  member(
    'iam:ListServiceSpecificCredentials',
    'iam-user',
    ['purgeStep'],
    'purge service-specific credentials (CodeCommit, Keyspaces)',
  ),
  member(
    'iam:DeleteServiceSpecificCredential',
    'iam-user',
    ['purgeStep'],
    'purge service-specific credentials',
    { notExercised: 'the emulator does not implement service-specific credentials' },
  ),
  member(
    'iam:ListMFADevices',
    'iam-user',
    ['containUser', 'readLeaverCredentials', 'purgeStep'],
    'record and purge MFA devices',
  ),
  member('iam:DeactivateMFADevice', 'iam-user', ['purgeStep'], 'purge MFA devices'),
  member('iam:DeleteVirtualMFADevice', 'iam-mfa-device', ['purgeStep'], 'delete a purged virtual MFA device'),
  member('iam:DeleteUser', 'iam-user', ['purgeStep'], "purge the leaver's user (purgeMode delete-user)"),

  // The member role: the key's secret in Secrets Manager.
  member(
    'secretsmanager:DescribeSecret',
    'keywarden-secret',
    ['createAndStageKey', 'promoteStagedKey', 'discardNewKey', 'lookUpKey', 'restorePreviousStoredKey'],
    "read which version holds which staging label (Secrets Manager's rotation protocol)",
  ),
  member(
    'secretsmanager:GetSecretValue',
    'keywarden-secret',
    ['createAndStageKey', 'verifyStagedKey', 'lookUpKey'],
    'read the staged key back, to verify it and to resume an interrupted staging; which version holds ' +
      'which key ID (whois, doctor: only the ID leaves the activity)',
  ),
  member(
    'secretsmanager:ListSecrets',
    'any',
    ['lookUpKey'],
    "find the secrets tagged managed-by=keywarden that hold a user's key (whois, doctor)",
  ),
  member(
    'secretsmanager:PutSecretValue',
    'keywarden-secret',
    ['createAndStageKey'],
    'store the new key as a version labelled AWSPENDING',
  ),
  member(
    'secretsmanager:CreateSecret',
    'keywarden-secret',
    ['createAndStageKey'],
    'create the secret on the first rotation of a user, tagged managed-by=keywarden',
    { alsoRequires: ['secretsmanager:TagResource'] },
  ),
  member(
    'secretsmanager:UpdateSecretVersionStage',
    'keywarden-secret',
    ['createAndStageKey', 'promoteStagedKey', 'discardNewKey', 'restorePreviousStoredKey'],
    'move AWSPENDING and AWSCURRENT between versions (and AWSCURRENT back, keywarden rollback)',
  ),
  member(
    'secretsmanager:DeleteSecret',
    'keywarden-secret',
    ['discardNewKey'],
    'compensation deletes a secret that the same rotation created',
  ),

  // The member role: the key's parameter in Parameter Store (destination.type ssm-parameter).
  member(
    'ssm:PutParameter',
    'keywarden-parameter',
    ['createAndStageKey'],
    'store the new key as a new SecureString version (creating the parameter, tagged managed-by=keywarden)',
    { alsoRequires: ['ssm:AddTagsToResource'] },
  ),
  member(
    'ssm:GetParameter',
    'keywarden-parameter',
    ['createAndStageKey', 'verifyStagedKey', 'lookUpKey'],
    'read the staged key back, to verify it and to resume an interrupted staging; which key a version holds (whois, doctor)',
  ),
  member(
    'ssm:GetParameterHistory',
    'keywarden-parameter',
    ['createAndStageKey', 'promoteStagedKey', 'discardNewKey', 'lookUpKey', 'restorePreviousStoredKey'],
    'read which version carries which label (pending, current, previous)',
  ),
  member(
    'ssm:LabelParameterVersion',
    'keywarden-parameter',
    ['createAndStageKey', 'promoteStagedKey', 'restorePreviousStoredKey'],
    'label the new version pending, then current (the old current becomes previous)',
  ),
  member(
    'ssm:UnlabelParameterVersion',
    'keywarden-parameter',
    ['promoteStagedKey', 'discardNewKey', 'restorePreviousStoredKey'],
    'take the pending label off a promoted or discarded version, the previous label off a restored one',
  ),
  member(
    'ssm:DeleteParameter',
    'keywarden-parameter',
    ['discardNewKey'],
    'compensation deletes a parameter that the same rotation created',
  ),
  member(
    'secretsmanager:PutResourcePolicy',
    'keywarden-secret',
    ['createAndStageKey'],
    'grant destination.readers secretsmanager:GetSecretValue on the secret',
  ),

  // The member role: a customer-managed key (destination.kmsKeyId). Secrets Manager and Parameter
  // Store call KMS on the role's behalf; the key policy must allow it too (keywarden iam-policy).
  ...(['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'] as const).map((operation) =>
    member(
      operation,
      'kms-key',
      ['createAndStageKey', 'verifyStagedKey'],
      'encrypt the stored key with destination.kmsKeyId (Secrets Manager: GenerateDataKey, Decrypt; Parameter Store: Encrypt, Decrypt)',
      {
        notExercised:
          "Secrets Manager and Parameter Store call KMS on the caller's behalf: no keywarden client sends it, so no test records it",
      },
    ),
  ),

  // The key being rotated, signing for itself.
  {
    operation: 'sts:GetCallerIdentity',
    principal: 'new-access-key',
    resource: 'any',
    calledBy: ['verifyStagedKey'],
    purpose: 'prove that the new key works before anything relies on it (needs no permission)',
  },
];

/** The IAM actions a principal needs: each operation of its rows, and what they also require. */
export function actionsFor(principal: AwsPrincipal, operations = AWS_OPERATIONS): string[] {
  const actions = new Set<string>();
  for (const row of operations) {
    if (row.principal !== principal) continue;
    actions.add(row.operation);
    for (const action of row.alsoRequires ?? []) actions.add(action);
  }
  return [...actions].sort();
}
