import type { StoredKeyLocation } from '../domain/key-lookup';
import type { SdkParameterGateway } from './aws/parameter-gateway';
import type { SecretsGateway } from './aws/secrets-gateway';
import { storedAccessKeyId } from './secret-value';

/**
 * Where keywarden stored a user's key: the secrets tagged managed-by=keywarden whose name holds
 * the user name and whose labelled versions hold one of `keyIds` (or, with none of them, whose
 * name is the default `keywarden/<user>`). Each version gives its stages and the key ID it
 * stores; the secret access key is read here and dropped at once.
 */
export async function findStoredKeys(
  secrets: SecretsGateway,
  userName: string,
  keyIds: ReadonlySet<string>,
): Promise<StoredKeyLocation[]> {
  const found: StoredKeyLocation[] = [];
  const candidates = (await secrets.listManagedSecretNames()).filter((name) => name.includes(userName));
  for (const name of candidates) {
    const described = await secrets.describe(name);
    if (described === undefined) continue;
    const versions: StoredKeyLocation['versions'] = [];
    for (const version of described.versions) {
      const value = await secrets.getVersionValue(name, version.versionId);
      const accessKeyId = value === undefined ? undefined : storedAccessKeyId(value);
      versions.push({
        versionId: version.versionId,
        stages: [...version.stages].sort(),
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
      });
    }
    const holdsUsersKey = versions.some((v) => v.accessKeyId !== undefined && keyIds.has(v.accessKeyId));
    if (holdsUsersKey || name === `keywarden/${userName}`) {
      found.push({ kind: 'secret', name, arn: described.arn, versions });
    }
  }
  return found;
}

/**
 * The Parameter Store parameters among `names` (those the user's key description tags name, and
 * the default `/keywarden/<account>/<user>`) that exist, each version with its labels and the key
 * ID it stores; the secret access key is read here and dropped at once.
 */
export async function findStoredParameters(
  parameters: Pick<SdkParameterGateway, 'describe' | 'getValue'>,
  names: readonly string[],
): Promise<StoredKeyLocation[]> {
  const found: StoredKeyLocation[] = [];
  for (const name of [...new Set(names)]) {
    const described = await parameters.describe(name);
    if (described === undefined) continue;
    let arn = '';
    const versions: StoredKeyLocation['versions'] = [];
    for (const version of described.versions) {
      const read = await parameters.getValue(name, version.version);
      if (read === undefined) continue;
      arn = read.arn;
      const accessKeyId = storedAccessKeyId(read.value);
      versions.push({
        versionId: String(version.version),
        stages: [...version.labels].sort(),
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
      });
    }
    found.push({ kind: 'parameter', name, arn, versions });
  }
  return found;
}
