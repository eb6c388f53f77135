import { z } from 'zod';
import type { OffboardingRequest } from './offboarding-request';
import { employeeIdSchema, OffboardingRequestSchema, PurgeModeSchema } from './offboarding-request';
import type { WebhookPolicy } from './webhook-policy';
import { allowedTagKeys } from './webhook-policy';

/** The fields a webhook request may set; everything else in the workflow input comes from the policy. */
export const WEBHOOK_REQUEST_FIELDS = ['employeeId', 'match', 'purgeMode', 'reason'] as const;

/** Fields of an OffboardingRequest that only the server's policy sets. */
const POLICY_FIELDS = [
  'initiator',
  'approval',
  'scope',
  'access',
  'containmentPolicyName',
  'limits',
] as const;

export const WebhookRequestSchema = z.strictObject({
  employeeId: employeeIdSchema,
  match: z
    .strictObject({
      userNames: z.array(z.string().min(1).max(128)).optional(),
      tagKey: z.string().min(1).max(128).optional(),
      tagValues: z.array(z.string().min(1).max(256)).optional(),
    })
    .refine((m) => (m.userNames?.length ?? 0) > 0 || (m.tagValues?.length ?? 0) > 0, {
      message: "match is empty: give match.tagValues (e.g. the leaver's email) or match.userNames",
    }),
  purgeMode: PurgeModeSchema.optional(),
  reason: z.string().max(500).optional(),
});

export type WebhookRequest = z.output<typeof WebhookRequestSchema>;
export type WebhookRequestInput = z.input<typeof WebhookRequestSchema>;

/** 400: the request is malformed. 403: it is well formed but asks for more than the policy allows. */
export type WebhookRequestDecision =
  { ok: true; request: OffboardingRequest } | { ok: false; status: 400 | 403; error: string };

const quoteAll = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Judges a parsed webhook body against the policy and, when it stays within it, builds the
 * workflow input: approvers, scope, access and the containment policy name come from the policy;
 * the request contributes the employee, the match values (by a field the policy allows), a purge
 * mode the policy allows, and a reason. Messages name what is allowed and never echo values.
 */
export function authorizeWebhookRequest(policy: WebhookPolicy, body: unknown): WebhookRequestDecision {
  if (isRecord(body)) {
    const owned = POLICY_FIELDS.filter((field) => field in body);
    if (owned.length > 0) {
      return {
        ok: false,
        status: 403,
        error:
          `${quoteAll(owned)} ${owned.length === 1 ? 'is' : 'are'} set by this server's offboarding ` +
          `policy, not by the request: remove ${owned.length === 1 ? 'it' : 'them'} ` +
          `(a request may set ${WEBHOOK_REQUEST_FIELDS.join(', ')})`,
      };
    }
  }
  const parsed = WebhookRequestSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      status: 400,
      error: `invalid offboarding request: ${z.prettifyError(parsed.error)}`,
    };
  }
  const request = parsed.data;
  const allowedFields = `allowed match fields: ${policy.match.fields.join(', ')}`;
  const userNames = request.match.userNames ?? [];
  const tagValues = request.match.tagValues ?? [];

  if (userNames.length > 0 && !policy.match.fields.includes('userName')) {
    return {
      ok: false,
      status: 403,
      error: `matching by userName is not allowed by this server's policy (${allowedFields})`,
    };
  }
  let tagKey: string | undefined;
  if (tagValues.length > 0) {
    const keys = allowedTagKeys(policy);
    const asked = request.match.tagKey;
    if (asked === undefined) {
      if (keys.length === 0) {
        return {
          ok: false,
          status: 403,
          error: `matching by tag is not allowed by this server's policy (${allowedFields})`,
        };
      }
      if (keys.length > 1) {
        return {
          ok: false,
          status: 400,
          error: `give match.tagKey: this server's policy allows several (${allowedFields})`,
        };
      }
      tagKey = keys[0];
    } else {
      // Tag keys match case-insensitively, as discovery compares them.
      tagKey = keys.find((key) => key.toLowerCase() === asked.toLowerCase());
      if (tagKey === undefined) {
        return {
          ok: false,
          status: 403,
          error: `matching by this tag key is not allowed by this server's policy (${allowedFields})`,
        };
      }
    }
  }
  const valueCount = userNames.length + tagValues.length;
  if (valueCount > policy.match.maxValues) {
    return {
      ok: false,
      status: 403,
      error: `match lists ${valueCount} values; this server's policy allows at most ${policy.match.maxValues}`,
    };
  }
  const purgeMode = request.purgeMode ?? policy.defaultPurgeMode;
  if (!policy.purgeModes.includes(purgeMode)) {
    return {
      ok: false,
      status: 403,
      error: `purgeMode "${purgeMode}" is not allowed by this server's policy (allowed purge modes: ${policy.purgeModes.join(', ')})`,
    };
  }

  const built = OffboardingRequestSchema.safeParse({
    employeeId: request.employeeId,
    match: { userNames, tagValues, ...(tagKey === undefined ? {} : { tagKey }) },
    scope: {
      ...(policy.scope.accounts === 'all' ? {} : { includeAccounts: policy.scope.accounts }),
      excludeAccounts: policy.scope.excludeAccounts,
    },
    initiator: policy.initiator,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    purgeMode,
    access: policy.access,
    approval: policy.approval,
    containmentPolicyName: policy.containmentPolicyName,
    ...(policy.notifications === undefined ? {} : { notifications: policy.notifications }),
    ...(policy.limits === undefined ? {} : { limits: policy.limits }),
  });
  if (!built.success) {
    return { ok: false, status: 400, error: `invalid offboarding request: ${z.prettifyError(built.error)}` };
  }
  return { ok: true, request: built.data };
}
