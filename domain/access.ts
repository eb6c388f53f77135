import { z } from 'zod';

/** The role AWS Organizations creates in every account it creates. */
export const DEFAULT_MEMBER_ROLE_NAME = 'OrganizationAccountAccessRole';

/** How keywarden reaches a member account: AssumeRole into `roleName`, optionally with an ExternalId. */
export const AccessSchema = z
  .strictObject({
    roleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'a role name is 1-64 characters from letters, digits and +=,.@_-')
      .default(DEFAULT_MEMBER_ROLE_NAME),
    externalId: z
      .string()
      .regex(
        /^[\w+=,.@:/-]{2,1224}$/,
        'an external ID is 2-1224 characters from letters, digits and +=,.@:/_-',
      )
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'a region looks like "us-east-1"')
      .default('us-east-1'),
  })
  .prefault({});

export type AccessSettings = z.output<typeof AccessSchema>;
