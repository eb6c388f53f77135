import type { DestinationSettings } from './key-destination';
import { renderSecretName } from './secret-name-template';

export const DEFAULT_PARAMETER_NAME_TEMPLATE = '/keywarden/{accountId}/{userName}';

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
