import { z } from 'zod';
import { renderSecretName, secretNameTemplateSchema } from './secret-name';

const DEFAULT_SECRET_NAME_TEMPLATE = 'keywarden/{userName}';
export const DEFAULT_PARAMETER_NAME_TEMPLATE = '/keywarden/{accountId}/{userName}';

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

/** One user's key store, as the saga and its activities carry it. Names only, never a value. */
export type KeyDestination =
  | { type: 'secretsmanager'; name: string; kmsKeyId?: string; readers?: string[] }
  | { type: 'ssm-parameter'; name: string; kmsKeyId?: string };

/** The store of one user's key. `destination` may predate the type field (older workflow inputs). */
export function keyDestinationFor(
  destination: Partial<DestinationSettings> & { secretNameTemplate: string },
  values: { userName: string; accountId: string },
): KeyDestination {
  const kms = destination.kmsKeyId === undefined ? {} : { kmsKeyId: destination.kmsKeyId };
  if (destination.type === 'ssm-parameter') {
    const template = destination.parameterNameTemplate ?? DEFAULT_PARAMETER_NAME_TEMPLATE;
    return { type: 'ssm-parameter', name: renderSecretName(template, values), ...kms };
  }
  const readers = destination.readers?.length ? { readers: [...destination.readers] } : {};
  return {
    type: 'secretsmanager',
    name: renderSecretName(destination.secretNameTemplate, values),
    ...kms,
    ...readers,
  };
}

/** "secret keywarden/alice" or "parameter /keywarden/1111/alice", for timelines and reports. */
export function describeDestination(destination: KeyDestination): string {
  return `${destination.type === 'ssm-parameter' ? 'parameter' : 'secret'} ${destination.name}`;
}

/**
 * The `destination` a saga's input carries: none for a plain Secrets Manager secret (the saga
 * then uses its `secretName`, as runs started before other destinations did).
 */
export function sagaDestination(
  destination: Partial<DestinationSettings> & { secretNameTemplate: string },
  values: { userName: string; accountId: string },
): { destination?: KeyDestination } {
  const plain =
    destination.type !== 'ssm-parameter' &&
    destination.kmsKeyId === undefined &&
    (destination.readers ?? []).length === 0;
  return plain ? {} : { destination: keyDestinationFor(destination, values) };
}
