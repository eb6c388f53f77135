import { loadClientConfigFromToml } from '@temporalio/envconfig';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemporalConfigError } from './temporal-config-error';

/** A Temporal client config file (TOML, `[profile.<name>]` tables) that exists and parses. */
export interface TemporalConfigFile {
  path: string;
  text: string;
  profileNames: string[];
}

/**
 * Where the Temporal SDKs and CLI look when TEMPORAL_CONFIG_FILE is not set. The same rule as
 * @temporalio/envconfig, which does not export it; keywarden needs the path to name it in errors.
 */
export function defaultTemporalConfigFilePath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = os.platform(),
): string | undefined {
  let dir: string | undefined;
  if (platform === 'win32') dir = env.APPDATA || undefined;
  else if (platform === 'darwin')
    dir = env.HOME ? path.join(env.HOME, 'Library', 'Application Support') : undefined;
  else {
    const xdg = env.XDG_CONFIG_HOME;
    if (xdg) dir = path.isAbsolute(xdg) ? xdg : undefined;
    else dir = env.HOME ? path.join(env.HOME, '.config') : undefined;
  }
  return dir === undefined ? undefined : path.join(dir, 'temporalio', 'temporal.toml');
}

/**
 * The config file named by TEMPORAL_CONFIG_FILE, else the one at the default location if there is
 * one. An empty TEMPORAL_CONFIG_FILE means: read no file. A file that TEMPORAL_CONFIG_FILE names
 * but that does not exist is an error (a typo would otherwise silently connect somewhere else).
 */
export function readTemporalConfigFile(env: NodeJS.ProcessEnv): TemporalConfigFile | undefined {
  const explicit = env.TEMPORAL_CONFIG_FILE;
  if (explicit === '') return undefined;
  const file = explicit ?? defaultTemporalConfigFilePath(env);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (explicit === undefined) return undefined;
      throw new TemporalConfigError(
        `TEMPORAL_CONFIG_FILE names ${file}, which does not exist: fix the path, or unset TEMPORAL_CONFIG_FILE to use ${defaultTemporalConfigFilePath(env) ?? 'the environment only'}`,
      );
    }
    throw new TemporalConfigError(
      `cannot read the Temporal config file ${file} (${code ?? 'unknown error'}): make it a readable file${explicit === undefined ? '' : ' or point TEMPORAL_CONFIG_FILE elsewhere'}`,
    );
  }
  return { path: file, text, profileNames: profileNamesIn(file, text) };
}

function profileNamesIn(file: string, text: string): string[] {
  try {
    return Object.keys(loadClientConfigFromToml(Buffer.from(text, 'utf8'), { strict: true }).profiles);
  } catch (error) {
    // A file without any [profile.*] table has nothing to offer; the SDK trips over it with a TypeError.
    if (error instanceof TypeError) return [];
    throw new TemporalConfigError(`the Temporal config file ${file} is not valid: ${tomlProblem(error)}`);
  }
}

/**
 * The parser's message without the excerpt of the file it quotes: that excerpt could hold an
 * API key or a private key written inline.
 */
function tomlProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const firstPart = error.message.split('\n\n')[0] ?? error.message;
  const { line, column } = error as { line?: unknown; column?: unknown };
  if (typeof line === 'number' && typeof column === 'number')
    return `${firstPart} (line ${line}, column ${column})`;
  if (firstPart.startsWith('Validation error')) {
    return (
      `${firstPart}. Allowed in a [profile.<name>] table: address, namespace, api_key, tls, codec, grpc_meta; ` +
      'in its tls table: disabled, server_name, client_cert_path or client_cert_data, ' +
      'client_key_path or client_key_data, server_ca_cert_path or server_ca_cert_data'
    );
  }
  return firstPart;
}
