import { z } from 'zod';
import { secretNameTemplateSchema } from './secret-name';

export {
  DEFAULT_PARAMETER_NAME_TEMPLATE,
  describeDestination,
  keyDestinationFor,
  sagaDestination,
  type KeyDestination,
} from './saga-destination';

const DEFAULT_SECRET_NAME_TEMPLATE = 'keywarden/{userName}';

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** A Parameter Store name: letters, digits and _.-/, a path from the root, the user in it. */
function parameterTemplateProblem(template: string): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (name !== 'userName' && name !== 'accountId') {
      return `unknown placeholder {${name.slice(0, 32)}}: only {userName} and {accountId} are allowed`;
    }
  }
  const literal = template.replace(PLACEHOLDER, '');
  if (/[{}]/.test(literal))
    return 'unbalanced "{" or "}": placeholders are written {userName} or {accountId}';
  if (!/^[\w./-]*$/.test(literal))
    return 'a parameter name may only contain letters, digits and _.-/, plus the placeholders {userName} and {accountId}';
  if (!template.startsWith('/') || template.startsWith('/{'))
    return 'the template must be a path with a fixed first level, e.g. "/keywarden/{accountId}/{userName}"';
  if (/^\/(aws|ssm)/i.test(template)) return 'parameter names may not begin with /aws or /ssm';
  if (!template.includes('{userName}'))
    return 'the template must contain {userName} so each IAM user gets its own parameter';
  return undefined;
}

export const parameterNameTemplateSchema = z
  .string()
  .min(2)
  .max(1011)
  .superRefine((template, ctx) => {
    const problem = parameterTemplateProblem(template);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A customer-managed KMS key: key ID, alias/<name>, or the ARN of either. */
export const kmsKeyIdSchema = z
  .string()
  .regex(
    /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[\w/-]{1,250}|arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:(?:key\/[\w-]+|alias\/[\w/-]+))$/,
    {
      error:
        'destination.kmsKeyId is a KMS key ID (1234abcd-12ab-34cd-56ef-1234567890ab), an alias (alias/keywarden) or the ARN of either',
    },
  )
  .refine((id) => !/^(?:alias\/aws\/|arn:[^:]+:kms:[^:]+:\d{12}:alias\/aws\/)/.test(id), {
    error:
      'destination.kmsKeyId must be a customer-managed key: AWS managed keys (alias/aws/...) are the default already',
  });

export const readerRoleArnSchema = z
  .string()
  .regex(/^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, {
    error: 'each of destination.readers is an IAM role ARN, arn:aws:iam::<12 digits>:role/<name>',
  });

/**
 * Where a campaign stores each new key, in the user's own account. The Secrets Manager fields
 * stay as they were, so specs written before Parameter Store was offered parse to the same value.
 */
export const DestinationSchema = z
  .strictObject({
    type: z.enum(['secretsmanager', 'ssm-parameter']).default('secretsmanager'),
    secretNameTemplate: secretNameTemplateSchema.default(DEFAULT_SECRET_NAME_TEMPLATE),
    /** With type ssm-parameter; DEFAULT_PARAMETER_NAME_TEMPLATE when left out. */
    parameterNameTemplate: parameterNameTemplateSchema.optional(),
    kmsKeyId: kmsKeyIdSchema.optional(),
    /** Roles of the applications that read the key (Secrets Manager: granted by a resource policy). */
    readers: z.array(readerRoleArnSchema).max(20).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.type === 'secretsmanager' && d.parameterNameTemplate !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['parameterNameTemplate'],
        message: 'parameterNameTemplate needs destination.type: ssm-parameter (or remove it)',
      });
    }
  })
  .prefault({});

export type DestinationSettings = z.output<typeof DestinationSchema>;
