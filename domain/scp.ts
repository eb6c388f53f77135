import { z } from 'zod';
import { LEAST_PRIVILEGE_ROLE_NAME, PARTITIONS } from './iam-policy';
import { ApprovalSettingsBase, approverShortfall, publicKeyProblem } from './approval-settings';
import { principalSchema } from './ids';

export {
  scpAttachmentWorkflowId,
  scpPlanDigest,
  type ScpAttachmentPhase,
  type ScpAttachmentStatus,
} from './scp-attachment';

/**
 * The service control policy that keeps access keys from being made outside keywarden: it denies
 * iam:CreateAccessKey and iam:UpdateAccessKey to every principal of the accounts it is attached
 * above, except keywarden's member role and the named break-glass roles (aws:PrincipalARN is
 * the role's ARN, not the session's, so ArnNotLike on it exempts whoever assumes those roles).
 */

export const DEFAULT_SCP_NAME = 'keywarden-deny-access-key-creation';
/** Organizations refuses an SCP document longer than this. */
export const SCP_MAX_CHARACTERS = 5120;

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_NAME_ERROR = 'a role name is 1-64 characters from letters, digits and +=,.@_- (no path, no ARN)';
// A role ARN pattern that ArnNotLike accepts: any account (*) or one, an optional path, a name that may end in *.
const ROLE_ARN_PATTERN =
  /^arn:(aws|aws-cn|aws-us-gov|\*):iam::(\d{12}|\*):role\/([\w+=,.@-]+\/)*[\w+=,.@-]+\*?$/;

const roleRef = z
  .string()
  .trim()
  .refine((ref) => ROLE_NAME.test(ref) || ROLE_ARN_PATTERN.test(ref), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is neither a role name (${ROLE_NAME_ERROR}) nor a role ARN pattern ` +
      'such as arn:aws:iam::*:role/keywarden/KeywardenMemberRole',
  });

export const ScpOptionsSchema = z.strictObject({
  /** keywarden's member role in each account: a role name, or a role ARN pattern for a role with a path. */
  keywardenRole: roleRef.default(LEAST_PRIVILEGE_ROLE_NAME),
  /** Roles people assume in an emergency, allowed to make keys too. */
  breakGlassRoles: z.array(roleRef).max(50, 'at most 50 break-glass roles').default([]),
  policyName: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, 'a policy name is 1-128 characters from letters, digits and +=,.@_-')
    .default(DEFAULT_SCP_NAME),
  partition: z.enum(PARTITIONS, { error: `the partition is one of ${PARTITIONS.join(', ')}` }).default('aws'),
});

export type ScpOptionsInput = z.input<typeof ScpOptionsSchema>;
export type ScpOptions = z.output<typeof ScpOptionsSchema>;

export interface ScpDocument {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Deny';
    Action: string[];
    Resource: '*';
    Condition: { ArnNotLike: { 'aws:PrincipalARN': string[] } };
  }>;
}

export const DENIED_KEY_ACTIONS = ['iam:CreateAccessKey', 'iam:UpdateAccessKey'] as const;

/** A role name as the ARN pattern of that role in every account; an ARN pattern as given. */
export function roleArnPattern(ref: string, partition: string): string {
  return ROLE_NAME.test(ref) ? `arn:${partition}:iam::*:role/${ref}` : ref;
}

export function scpDocument(options: ScpOptions): ScpDocument {
  const exempt = [options.keywardenRole, ...options.breakGlassRoles].map((ref) =>
    roleArnPattern(ref, options.partition),
  );
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyAccessKeysOutsideKeywarden',
        Effect: 'Deny',
        Action: [...DENIED_KEY_ACTIONS],
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalARN': [...new Set(exempt)] } },
      },
    ],
  };
}

export type ScpResult = { ok: true; options: ScpOptions; text: string } | { ok: false; message: string };

/** Parses the options and renders the policy text, or says what to fix. */
export function buildScp(input: ScpOptionsInput): ScpResult {
  const parsed = ScpOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, message: `${where}${issue?.message ?? 'invalid options'}` };
  }
  const text = JSON.stringify(scpDocument(parsed.data), null, 2);
  if (text.length > SCP_MAX_CHARACTERS) {
    return {
      ok: false,
      message: `the policy would be ${text.length} characters, over Organizations' limit of ${SCP_MAX_CHARACTERS}: name fewer break-glass roles`,
    };
  }
  return { ok: true, options: parsed.data, text };
}

// Organizations OU IDs: "ou-" + 4-32 characters of the root ID + "-" + 8-32 characters.
export const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;

export const ouIdSchema = z
  .string()
  .trim()
  .regex(OU_ID, 'an OU ID looks like ou-ab12-cd34ef56 (ou-, 4-32 lowercase letters or digits, -, 8-32 more)');

/** Who asks for an attachment and who approves it: `keywarden scp --attach`. */
export const ScpAttachRequestSchema = z
  .strictObject({
    ouId: ouIdSchema,
    initiator: principalSchema,
    approval: ApprovalSettingsBase,
  })
  .superRefine((request, ctx) => {
    const problem =
      approverShortfall(request.approval, request.initiator) ??
      publicKeyProblem(request.approval, request.initiator);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['approval'] });
  });

export type ScpAttachRequest = z.output<typeof ScpAttachRequestSchema>;
