import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { keywardenSearchAttributes } from '../domain/search-attributes';
import { CliError } from './cli-error';

const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPE: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

// gRPC status codes (the numbers are fixed by the gRPC spec).
const GRPC_INVALID_ARGUMENT: number = 3;
const GRPC_ALREADY_EXISTS: number = 6;
const grpcCode = (error: unknown): number | undefined =>
  isGrpcServiceError(error) ? Number(error.code) : undefined;

export interface SearchAttributeSetup {
  namespace: string;
  added: string[];
  alreadyThere: string[];
}

/**
 * Registers every keywarden search attribute that the namespace lacks; running it again changes
 * nothing. An attribute of the same name but another type is an error: keywarden cannot use it,
 * and replacing it would break whoever registered it.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<SearchAttributeSetup> {
  const existing =
    (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const conflicts: string[] = [];
  const missing: (typeof keywardenSearchAttributes)[number][] = [];
  const alreadyThere: string[] = [];
  for (const key of keywardenSearchAttributes) {
    const type = existing[key.name];
    if (type === undefined || type === null) missing.push(key);
    else if (type === INDEXED_TYPE[key.type]) alreadyThere.push(key.name);
    else conflicts.push(key.name);
  }
  if (conflicts.length > 0) {
    throw new CliError(
      `namespace ${namespace} already has ${conflicts.join(', ')} with another type than keywarden's: ` +
        'keywarden cannot use them. Remove them (temporal operator search-attribute remove) or use another namespace',
    );
  }
  if (missing.length > 0) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPE[key.type]])),
      });
    } catch (error) {
      // Another `keywarden setup` added them between our list and our add: the outcome is the same.
      if (grpcCode(error) !== GRPC_ALREADY_EXISTS) throw error;
    }
  }
  return { namespace, added: missing.map((key) => key.name), alreadyThere };
}

/**
 * When a workflow start failed because the namespace lacks keywarden's search attributes, the
 * message that tells the person what to run; undefined for any other failure.
 */
export function missingSearchAttributesMessage(error: unknown, namespace: string): string | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (!isGrpcServiceError(cause) || grpcCode(cause) !== GRPC_INVALID_ARGUMENT) continue;
    const details = cause.details;
    const named = keywardenSearchAttributes.map((key) => key.name).filter((name) => details.includes(name));
    if (named.length > 0 && /search attribute/i.test(details)) {
      return (
        `namespace ${namespace} does not know keywarden's search attributes (${named.join(', ')}): ` +
        'run `keywarden setup` once against this Temporal server and namespace, then try again'
      );
    }
  }
  return undefined;
}
