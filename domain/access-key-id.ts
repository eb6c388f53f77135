import { z } from 'zod';

/** An IAM user's long-term access key ID: AKIA and 16 capital letters or digits. */
const USER_KEY_ID = /^AKIA[A-Z0-9]{16}$/;

export const accessKeyIdSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (USER_KEY_ID.test(value)) return;
    const shown = JSON.stringify(value.slice(0, 40));
    ctx.addIssue({
      code: 'custom',
      message: /^ASIA/.test(value)
        ? `${shown} is a temporary key of a role session (ASIA…), not an IAM user's access key: ` +
          'keywarden manages only long-term user keys (AKIA…)'
        : `${shown} is not an access key ID: an IAM user's key ID is 20 characters, "AKIA" followed by ` +
          '16 capital letters or digits, e.g. AKIAIOSFODNN7EXAMPLE',
    });
  });

/** The key ID, or the one-line reason it is not one. */
export function parseAccessKeyId(
  value: string,
): { ok: true; accessKeyId: string } | { ok: false; message: string } {
  const parsed = accessKeyIdSchema.safeParse(value);
  if (parsed.success) return { ok: true, accessKeyId: parsed.data };
  return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') };
}
