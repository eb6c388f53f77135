import { z } from 'zod';

/** AWS credentials as the SDK v3 clients take them (structurally the SDK's own type). */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A function that resolves credentials; SDK providers such as fromNodeProviderChain() fit. */
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

/** Where and as whom the worker talks to AWS. Parsed once, when the worker starts. */
export interface AwsEnvironment {
  /** Region for every client (IAM and Organizations are global but still need one to sign). */
  region: string;
  /** Optional endpoint override (an emulator or a VPC endpoint). Unset in production. */
  endpoint?: string;
  /** Base (management account) credentials. Unset: the standard AWS credential chain. */
  baseCredentials?: AwsCredentialIdentityProvider;
}

export const DEFAULT_AWS_REGION = 'us-east-1';

const AwsEnvSchema = z.object({
  AWS_REGION: z
    .string()
    .trim()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'AWS_REGION must look like a region name, e.g. us-east-1' })
    .optional(),
  AWS_ENDPOINT_URL: z
    .url({
      protocol: /^https?$/,
      error: 'AWS_ENDPOINT_URL must be an http(s) URL, e.g. http://127.0.0.1:5000',
    })
    .optional(),
});

/**
 * Reads AWS_REGION (default us-east-1) and AWS_ENDPOINT_URL from the environment.
 * Empty values count as unset. Throws one readable error naming the bad variable.
 */
export function awsEnvironmentFromEnv(env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const blankToUndefined = (value: string | undefined): string | undefined =>
    value === undefined || value.trim() === '' ? undefined : value.trim();
  const parsed = AwsEnvSchema.safeParse({
    AWS_REGION: blankToUndefined(env['AWS_REGION']),
    AWS_ENDPOINT_URL: blankToUndefined(env['AWS_ENDPOINT_URL']),
  });
  if (!parsed.success) {
    throw new Error(`Invalid AWS environment:\n${z.prettifyError(parsed.error)}`);
  }
  const result: AwsEnvironment = { region: parsed.data.AWS_REGION ?? DEFAULT_AWS_REGION };
  if (parsed.data.AWS_ENDPOINT_URL !== undefined) {
    result.endpoint = parsed.data.AWS_ENDPOINT_URL;
  }
  return result;
}
