import { z } from 'zod';
import {
  AWS_OPERATIONS,
  type AwsOperation,
  type AwsPrincipal,
  type AwsResourceKind,
} from './aws-permissions';
import { parameterNameTemplateSchema, readerRoleArnSchema } from './key-destination';
import { secretNameTemplateSchema } from './secret-name';

/** The name `keywarden iam-policy` gives the least-privilege member role unless told otherwise. */
export const LEAST_PRIVILEGE_ROLE_NAME = 'KeywardenMemberRole';
export const DEFAULT_SECRET_NAME_TEMPLATE = 'keywarden/{userName}';
export const DEFAULT_PARAMETER_NAME_TEMPLATE = '/keywarden/{accountId}/{userName}';
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
/** The drift monitor's queue must be named so (`keywarden iam-policy --monitor` names it keywarden-monitor). */
export const MONITOR_QUEUE_NAME_PREFIX = 'keywarden-monitor';

export const IAM_POLICY_DOCUMENTS = ['member-permissions', 'member-trust', 'management', 'stackset'] as const;
export type IamPolicyDocumentName = (typeof IAM_POLICY_DOCUMENTS)[number];

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: { AWS: unknown };
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
// The principals a trust policy can name: an IAM role or user, or a whole account (its root).
const TRUSTABLE_PRINCIPAL =
  /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:(?:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+|user\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+|root)$/;

/**
 * A secret name template as a policy Resource pattern. It must start with a fixed prefix,
 * or the pattern would cover every secret of the account.
 */
const policySecretTemplate = secretNameTemplateSchema.refine((template) => !template.startsWith('{'), {
  error:
    'the template must start with a fixed prefix such as "keywarden/" so the policy can be limited to ' +
    "keywarden's secrets",
});

export const IamPolicyOptionsSchema = z.strictObject({
  roleName: z
    .string()
    .regex(ROLE_NAME, { error: 'a role name is 1-64 characters from letters, digits and +=,.@_-' })
    .default(LEAST_PRIVILEGE_ROLE_NAME),
  workerPrincipal: z
    .string()
    .regex(TRUSTABLE_PRINCIPAL, {
      error:
        "the worker's principal must be the ARN of an IAM role or user (arn:aws:iam::<12 digits>:role/<name>), " +
        'not of an assumed-role session (arn:aws:sts::...:assumed-role/...)',
    })
    .optional(),
  externalId: z
    .string()
    .regex(EXTERNAL_ID, { error: 'an external ID is 2-1224 characters from letters, digits and +=,.@:/_-' })
    .optional(),
  secretNameTemplates: z.array(policySecretTemplate).min(1).default([DEFAULT_SECRET_NAME_TEMPLATE]),
  parameterNameTemplates: z
    .array(parameterNameTemplateSchema)
    .min(1)
    .default([DEFAULT_PARAMETER_NAME_TEMPLATE]),
  /** Roles that read the stored keys (destination.readers): named in the KMS key policy. */
  readers: z.array(readerRoleArnSchema).default([]),
  partition: z.enum(PARTITIONS, { error: `the partition is one of ${PARTITIONS.join(', ')}` }).default('aws'),
});

export type IamPolicyOptionsInput = z.input<typeof IamPolicyOptionsSchema>;
export type IamPolicyOptions = z.output<typeof IamPolicyOptionsSchema>;

/** Where the ARNs point: a partition and account, literal or CloudFormation `${AWS::...}` references. */
interface ArnScope {
  partition: string;
  account: string;
  roleName: string;
  secretNameTemplates: readonly string[];
  parameterNameTemplates: readonly string[];
}

/** A parameter name template as the ARN pattern of its parameters (the name begins with "/"). */
export function parameterArnPattern(
  template: string,
  scope: Pick<ArnScope, 'partition' | 'account'>,
): string {
  return `arn:${scope.partition}:ssm:*:${scope.account}:parameter${template.replace(/\{[^{}]*\}/g, '*')}`;
}

/** A secret name template as the ARN pattern of its secrets (AWS appends "-" and 6 characters to the name). */
export function secretArnPattern(template: string, scope: Pick<ArnScope, 'partition' | 'account'>): string {
  const pattern = template.replace(/\{[^{}]*\}/g, '*');
  const suffix = pattern.endsWith('*') ? '' : '-*';
  return `arn:${scope.partition}:secretsmanager:*:${scope.account}:secret:${pattern}${suffix}`;
}

function resourcesOf(kind: AwsResourceKind, scope: ArnScope): string[] {
  const iam = `arn:${scope.partition}:iam::${scope.account}`;
  switch (kind) {
    case 'any':
      return ['*'];
    case 'iam-user':
      return [`${iam}:user/*`];
    case 'iam-group':
      return [`${iam}:group/*`];
    case 'iam-mfa-device':
      return [`${iam}:mfa/*`];
    case 'keywarden-secret':
      return [...new Set(scope.secretNameTemplates.map((t) => secretArnPattern(t, scope)))];
    case 'keywarden-parameter':
      return [...new Set(scope.parameterNameTemplates.map((t) => parameterArnPattern(t, scope)))];
    case 'kms-key':
      return [`arn:${scope.partition}:kms:*:${scope.account}:key/*`];
    case 'member-role':
      return [`${iam}:role/${scope.roleName}`];
    case 'monitor-queue':
      return [`arn:${scope.partition}:sqs:*:${scope.account}:${MONITOR_QUEUE_NAME_PREFIX}*`];
    case 'service-control-policy':
      return ['*'];
  }
}

const STATEMENT_IDS: Record<AwsResourceKind, string> = {
  any: 'AccountWideReads',
  'iam-user': 'IamUsers',
  'iam-group': 'IamGroupMembership',
  'iam-mfa-device': 'VirtualMfaDevices',
  'keywarden-secret': 'KeywardenSecrets',
  'keywarden-parameter': 'KeywardenParameters',
  'kms-key': 'KmsKeysOfDestinations',
  'member-role': 'AssumeMemberRole',
  'monitor-queue': 'DriftMonitorQueue',
  'service-control-policy': 'ServiceControlPolicies',
};

/** One Allow statement per resource kind, holding the actions of every row of the principal on it. */
function identityPolicy(
  principal: AwsPrincipal,
  scope: ArnScope,
  operations: readonly AwsOperation[],
): PolicyDocument {
  const byKind = new Map<AwsResourceKind, Set<string>>();
  for (const row of operations) {
    if (row.principal !== principal) continue;
    const actions = byKind.get(row.resource) ?? new Set<string>();
    actions.add(row.operation);
    for (const action of row.alsoRequires ?? []) actions.add(action);
    byKind.set(row.resource, actions);
  }
  const kinds = [...byKind.keys()].sort((a, b) => (STATEMENT_IDS[a] < STATEMENT_IDS[b] ? -1 : 1));
  return {
    Version: '2012-10-17',
    Statement: kinds.map((kind) => ({
      Sid: STATEMENT_IDS[kind],
      Effect: 'Allow',
      Action: [...(byKind.get(kind) ?? [])].sort(),
      Resource: resourcesOf(kind, scope),
    })),
  };
}

function literalScope(options: IamPolicyOptions): ArnScope {
  return {
    partition: options.partition,
    // A role can only act on its own account's IAM users and secrets, so "*" adds nothing.
    account: '*',
    roleName: options.roleName,
    secretNameTemplates: options.secretNameTemplates,
    parameterNameTemplates: options.parameterNameTemplates,
  };
}

/** (a) The member role's permission policy: exactly what the member-account activities call. */
export function memberPermissionPolicy(
  options: IamPolicyOptions,
  operations: readonly AwsOperation[] = AWS_OPERATIONS,
): PolicyDocument {
  return identityPolicy('member-role', literalScope(options), operations);
}

/** (c) The worker's own policy in the management account: read the organization, assume the member role, locate a leaked key. */
export function managementPolicy(
  options: IamPolicyOptions,
  operations: readonly AwsOperation[] = AWS_OPERATIONS,
): PolicyDocument {
  return identityPolicy('worker', literalScope(options), operations);
}

function trustPolicy(principal: unknown, externalId: unknown): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'KeywardenWorker',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** (b) The member role's trust policy: only the worker's principal, and only with the external ID. */
export function memberTrustPolicy(options: IamPolicyOptions): PolicyDocument {
  if (options.workerPrincipal === undefined || options.externalId === undefined) {
    throw new Error(
      "the member trust policy needs the worker's principal (--worker-principal) and an external ID (--external-id)",
    );
  }
  return trustPolicy(options.workerPrincipal, options.externalId);
}

/** Strings that hold `${AWS::...}` become CloudFormation `Fn::Sub`, everything else stays as it is. */
function substituted(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('${') ? { 'Fn::Sub': value } : value;
  if (Array.isArray(value)) return value.map(substituted);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituted(v)]));
  }
  return value;
}

/**
 * (d) A CloudFormation template for a service-managed StackSet: the member role with the trust
 * and permission policies, in every account it is deployed to. The worker's principal and the
 * external ID are parameters (with the given values as defaults).
 */
export function memberRoleStackSetTemplate(
  options: IamPolicyOptions,
  operations: readonly AwsOperation[] = AWS_OPERATIONS,
): Record<string, unknown> {
  const scope: ArnScope = {
    partition: '${AWS::Partition}',
    account: '${AWS::AccountId}',
    roleName: options.roleName,
    secretNameTemplates: options.secretNameTemplates,
    parameterNameTemplates: options.parameterNameTemplates,
  };
  const withDefault = (value: string | undefined) => (value === undefined ? {} : { Default: value });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'keywarden member role: least privilege for key rotation, offboarding and inventory (generated by keywarden iam-policy)',
    Parameters: {
      WorkerPrincipalArn: {
        Type: 'String',
        Description: "ARN of the keywarden worker's IAM role (or user) in the management account",
        AllowedPattern: TRUSTABLE_PRINCIPAL.source,
        ...withDefault(options.workerPrincipal),
      },
      ExternalId: {
        Type: 'String',
        Description:
          'The sts:ExternalId keywarden sends (access.externalId in campaign specs and offboarding requests)',
        NoEcho: true,
        AllowedPattern: EXTERNAL_ID.source,
        ...withDefault(options.externalId),
      },
    },
    Resources: {
      KeywardenMemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: options.roleName,
          Description: 'Assumed by keywarden to rotate access keys, offboard leavers and take inventory',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trustPolicy({ Ref: 'WorkerPrincipalArn' }, { Ref: 'ExternalId' }),
          Policies: [
            {
              PolicyName: 'keywarden-member-permissions',
              PolicyDocument: substituted(identityPolicy('member-role', scope, operations)),
            },
          ],
        },
      },
    },
    Outputs: {
      MemberRoleArn: { Value: { 'Fn::GetAtt': ['KeywardenMemberRole', 'Arn'] } },
    },
  };
}
