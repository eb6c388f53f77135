import { z } from 'zod';
import { DURATION_HINT, durationMsOf } from './duration-ms';

export { DURATION_HINT, durationToMs } from './duration-ms';

export const durationSchema = z
  .string({ error: `expected a duration string: ${DURATION_HINT}` })
  .refine((text) => durationMsOf(text) !== undefined, { message: `invalid duration: ${DURATION_HINT}` });
