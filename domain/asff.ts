import { z } from 'zod';

/**
 * The AWS Security Finding Format's required fields (schema version 2018-10-08), with the limits
 * BatchImportFindings enforces, plus the optional Compliance and Resources fields keywarden
 * writes. A finding that passes is one Security Hub accepts as far as its shape goes.
 */

const TYPE_NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
] as const;

const isoTimestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp' });

export const AsffResourceSchema = z.object({
  Type: z.string().min(1).max(256),
  Id: z.string().min(1).max(512),
  Partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']).optional(),
  Region: z.string().min(1).max(16).optional(),
  Details: z.record(z.string(), z.unknown()).optional(),
});

export const AsffFindingSchema = z.object({
  SchemaVersion: z.literal('2018-10-08'),
  Id: z.string().min(1).max(512),
  ProductArn: z
    .string()
    .regex(
      /^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:\d{12}:product\/\d{12}\/default$/,
      'ProductArn must be arn:<partition>:securityhub:<region>:<account>:product/<account>/default',
    ),
  GeneratorId: z.string().min(1).max(512),
  AwsAccountId: z.string().regex(/^\d{12}$/, 'AwsAccountId must be 12 digits'),
  Types: z
    .array(
      z
        .string()
        .refine(
          (type) => TYPE_NAMESPACES.some((namespace) => type.startsWith(`${namespace}/`)),
          'each of Types must be namespace/category/classifier with an ASFF namespace',
        ),
    )
    .min(1)
    .max(50),
  CreatedAt: isoTimestamp,
  UpdatedAt: isoTimestamp,
  Severity: z.object({ Label: z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']) }),
  Title: z.string().min(1).max(256),
  Description: z.string().min(1).max(1024),
  Resources: z.array(AsffResourceSchema).min(1).max(32),
  Compliance: z
    .object({
      Status: z.enum(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']),
      RelatedRequirements: z.array(z.string().min(1).max(64)).max(32).optional(),
      SecurityControlId: z.string().min(1).optional(),
    })
    .optional(),
  ProductFields: z.record(z.string().max(128), z.string().max(2048)).optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']).optional(),
});

export type AsffFinding = z.infer<typeof AsffFindingSchema>;

/** ASFF findings as `BatchImportFindings` takes them: at most 100 per call, which the importer batches. */
export const AsffDocumentSchema = z.array(AsffFindingSchema);
