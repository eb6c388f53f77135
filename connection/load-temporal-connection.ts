import {
  loadClientConfigProfile,
  type ClientConfigProfile,
  type ClientConfigTLS,
} from '@temporalio/envconfig';
import { readTemporalConfigFile, type TemporalConfigFile } from './config-file';
import { Redacted } from './redacted';
import { TemporalConfigError } from './temporal-config-error';
import { plaintextConnection, type TemporalConnection, type TemporalTls } from './temporal-connection';
import { parseCertificate, parsePrivateKey, readTlsBytes } from './tls-material';

/** Where to go when nothing names an address: the sandbox (CLI), the default local port (worker). */
export interface LocalFallback {
  address: string;
  namespace: string;
  origin: string;
}

/** Each setting: its key in a TOML profile and the variables that override it. */
const SETTINGS = {
  address: { toml: ['address'], env: ['TEMPORAL_ADDRESS'] },
  namespace: { toml: ['namespace'], env: ['TEMPORAL_NAMESPACE'] },
  apiKey: { toml: ['api_key'], env: ['TEMPORAL_API_KEY'] },
  tls: { toml: ['tls.disabled'], env: ['TEMPORAL_TLS'] },
  serverName: { toml: ['tls.server_name'], env: ['TEMPORAL_TLS_SERVER_NAME'] },
  clientCert: {
    toml: ['tls.client_cert_path', 'tls.client_cert_data'],
    env: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
  },
  clientKey: {
    toml: ['tls.client_key_path', 'tls.client_key_data'],
    env: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
  },
  serverCa: {
    toml: ['tls.server_ca_cert_path', 'tls.server_ca_cert_data'],
    env: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
  },
} as const;
type Setting = keyof typeof SETTINGS;

const DEFAULT_PROFILE = 'default';

/**
 * The Temporal connection from the standard client configuration, read by @temporalio/envconfig:
 * a profile (TEMPORAL_PROFILE, else "default") of the TOML file TEMPORAL_CONFIG_FILE (else the
 * default location), overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and
 * TEMPORAL_TLS_*. Checks what envconfig leaves to the connection attempt (address form, cert
 * and key together, files readable and in PEM) and throws TemporalConfigError saying what to fix.
 *
 * With no address configured and no TLS or API key either, returns the fallback (or undefined).
 */
export function loadTemporalConnection(
  env: NodeJS.ProcessEnv = process.env,
  fallback?: () => LocalFallback | undefined,
): TemporalConnection | undefined {
  const file = readTemporalConfigFile(env);
  const profileName = env.TEMPORAL_PROFILE || undefined;
  if (profileName !== undefined && !file?.profileNames.includes(profileName)) {
    throw new TemporalConfigError(missingProfileMessage(profileName, file, env));
  }
  const fromFile = file !== undefined && file.profileNames.includes(profileName ?? DEFAULT_PROFILE);
  const profile = loadProfile(env, file, profileName);
  const names = new SettingNames(
    env,
    fromFile ? `profile "${profileName ?? DEFAULT_PROFILE}" of ${file.path}` : undefined,
  );

  // envconfig reads anything but "1" and "true" as false: a typo would silently turn TLS off.
  const tlsFlag = env.TEMPORAL_TLS;
  if (tlsFlag !== undefined && tlsFlag !== '' && !['1', 'true', '0', 'false'].includes(tlsFlag)) {
    throw new TemporalConfigError(
      'TEMPORAL_TLS must be true or false (or 1 or 0): set one of those, or unset it to let the address and profile decide',
    );
  }
  if (isTrue(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION)) {
    throw new TemporalConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the Temporal TypeScript SDK: unset it and set TEMPORAL_TLS_SERVER_NAME (or tls.server_name) to the name in the server certificate',
    );
  }
  const origin = names.origin();
  if (!profile.address) {
    if (profile.apiKey !== undefined || (profile.tls !== undefined && profile.tls.disabled !== true)) {
      throw new TemporalConfigError(
        `${origin} sets TLS or an API key but no address: set ${names.of('address')} to the frontend's host:port`,
      );
    }
    const local = fallback?.();
    return local && plaintextConnection(local.address, local.namespace, local.origin);
  }
  const address = checkedAddress(profile.address, names.of('address'));
  const namespace = checkedNamespace(profile.namespace, names.of('namespace'));
  const apiKey = checkedApiKey(profile.apiKey, names.of('apiKey'));
  const tls = resolveTls(profile.tls, apiKey !== undefined, names);
  return {
    address,
    namespace,
    tls,
    ...(apiKey === undefined ? {} : { apiKey: new Redacted(apiKey) }),
    ...(profile.grpcMeta === undefined ? {} : { metadata: new Redacted(profile.grpcMeta) }),
    origin,
  };
}

function loadProfile(
  env: NodeJS.ProcessEnv,
  file: TemporalConfigFile | undefined,
  profileName: string | undefined,
): ClientConfigProfile {
  // The file and profile are chosen above; envconfig applies the variables over the profile.
  const overrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== 'TEMPORAL_PROFILE' && key !== 'TEMPORAL_CONFIG_FILE')
      overrides[key] = value;
  }
  const usable = file !== undefined && file.profileNames.length > 0;
  try {
    return loadClientConfigProfile({
      ...(usable ? { configSource: { data: file.text } } : { disableFile: true }),
      profile: profileName,
      configFileStrict: true,
      overrideEnvVars: overrides,
    });
  } catch (error) {
    const where = usable
      ? `profile "${profileName ?? DEFAULT_PROFILE}" of ${file.path}`
      : 'the TEMPORAL_* variables';
    throw new TemporalConfigError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function missingProfileMessage(
  profileName: string,
  file: TemporalConfigFile | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (file === undefined) {
    return `TEMPORAL_PROFILE is "${profileName}" but there is no Temporal config file to read it from: set TEMPORAL_CONFIG_FILE to your temporal.toml, or unset TEMPORAL_PROFILE${env.TEMPORAL_CONFIG_FILE === '' ? ' (TEMPORAL_CONFIG_FILE is empty, which means no file)' : ''}`;
  }
  const known =
    file.profileNames.length > 0
      ? `it has ${file.profileNames.map((n) => `"${n}"`).join(', ')}`
      : 'it has no [profile.<name>] table';
  return `TEMPORAL_PROFILE is "${profileName}" but ${file.path} has no [profile.${profileName}]: ${known}. Fix TEMPORAL_PROFILE or add the profile`;
}

/** Names each setting by where its value came from: the variable if one is set, else the profile key. */
class SettingNames {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly profile: string | undefined,
  ) {}

  of(setting: Setting): string {
    const { toml, env } = SETTINGS[setting];
    const variable = env.find((name) => this.env[name] !== undefined);
    if (variable !== undefined) return variable;
    return this.profile === undefined ? env.join(' or ') : `${toml.join(' or ')} in ${this.profile}`;
  }

  origin(): string {
    const variables = Object.values(SETTINGS)
      .flatMap((s) => s.env)
      .filter((name) => this.env[name] !== undefined);
    const parts = [...(this.profile === undefined ? [] : [this.profile]), ...variables];
    return parts.length > 0 ? parts.join(', ') : 'no settings';
  }
}

const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

function checkedAddress(address: string, setting: string): string {
  const example = 'e.g. 127.0.0.1:7233 or my-ns.my-account.tmprl.cloud:7233';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    throw new TemporalConfigError(`${setting} must be host:port without a scheme (${example}), not a URL`);
  }
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon) : '';
  const port = colon > 0 ? Number(address.slice(colon + 1)) : NaN;
  if (!HOST.test(host) || !/^\d+$/.test(address.slice(colon + 1)) || port < 1 || port > 65535) {
    throw new TemporalConfigError(
      `${setting} must be host:port (${example}; IPv6 as [::1]:7233), got "${address}"`,
    );
  }
  return address;
}

function checkedNamespace(namespace: string | undefined, setting: string): string {
  if (namespace === undefined) return 'default';
  if (namespace.trim() === '' || /\s/.test(namespace)) {
    throw new TemporalConfigError(
      `${setting} must be a namespace name without spaces (Temporal Cloud: <ns>.<account>)`,
    );
  }
  return namespace;
}

function checkedApiKey(apiKey: string | undefined, setting: string): string | undefined {
  if (apiKey === undefined) return undefined;
  if (apiKey === '')
    throw new TemporalConfigError(`${setting} is empty: set the API key, or remove the setting`);
  if (/\s/.test(apiKey)) {
    throw new TemporalConfigError(
      `${setting} contains whitespace or a line break (often a copy-paste slip): set the key alone`,
    );
  }
  return apiKey;
}

function resolveTls(
  tls: ClientConfigTLS | undefined,
  hasApiKey: boolean,
  names: SettingNames,
): false | TemporalTls {
  if (tls === undefined) return hasApiKey ? {} : false;
  const material = (['clientCert', 'clientKey', 'serverCa', 'serverName'] as const).filter(
    (s) => tls[s === 'serverCa' ? 'serverCACert' : s] !== undefined,
  );
  if (tls.disabled === true) {
    if (hasApiKey) {
      throw new TemporalConfigError(
        `an API key must not travel unencrypted, but ${names.of('tls')} turns TLS off: enable TLS or remove ${names.of('apiKey')}`,
      );
    }
    if (material.length > 0) {
      throw new TemporalConfigError(
        `${names.of('tls')} turns TLS off, yet ${material.map((s) => names.of(s)).join(', ')} ${material.length > 1 ? 'are' : 'is'} set: enable TLS or remove them`,
      );
    }
    return false;
  }
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    const [given, missing] =
      tls.clientCert === undefined
        ? (['clientKey', 'clientCert'] as const)
        : (['clientCert', 'clientKey'] as const);
    throw new TemporalConfigError(
      `mTLS needs the client certificate and its private key together: ${names.of(given)} is set but ${names.of(missing)} is not`,
    );
  }
  const result: TemporalTls = {};
  if (tls.serverName !== undefined) {
    if (tls.serverName.trim() === '')
      throw new TemporalConfigError(`${names.of('serverName')} is empty: set a host name or remove it`);
    result.serverName = tls.serverName;
  }
  if (tls.serverCACert !== undefined) {
    const setting = names.of('serverCa');
    const bytes = readTlsBytes({ source: tls.serverCACert, setting });
    parseCertificate(bytes, 'server CA certificate', setting);
    result.serverCa = bytes;
  }
  if (tls.clientCert !== undefined && tls.clientKey !== undefined) {
    const certSetting = names.of('clientCert');
    const keySetting = names.of('clientKey');
    const cert = readTlsBytes({ source: tls.clientCert, setting: certSetting });
    const key = readTlsBytes({ source: tls.clientKey, setting: keySetting });
    const certificate = parseCertificate(cert, 'TLS client certificate', certSetting);
    if (!certificate.checkPrivateKey(parsePrivateKey(key, keySetting))) {
      throw new TemporalConfigError(
        `the TLS client key from ${keySetting} does not belong to the certificate from ${certSetting}: give the key the certificate was issued for`,
      );
    }
    result.client = { cert, key: new Redacted(key) };
  }
  return result;
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}
