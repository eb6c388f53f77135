import { z } from 'zod';
import { secretNameTemplateProblem } from './secret-name-template';

export { renderSecretName } from './secret-name-template';

export const secretNameTemplateSchema = z
  .string()
  .min(1)
  .max(512)
  .superRefine((template, ctx) => {
    const problem = secretNameTemplateProblem(template);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
