import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { paths } from '../../sandbox/project-paths';

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | null>;
  volumes?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export const composePath = path.join(paths.root, 'docker-compose.yml');

export function readComposeFile(): ComposeFile {
  return parse(readFileSync(composePath, 'utf8'), { merge: true }) as ComposeFile;
}

/**
 * A value as `docker compose` would pass it with only `samples` set in the shell: `${X:-default}`
 * is X or the default, `${X:+replacement}` is the replacement when X is set, `${X:?message}` is the
 * sample (compose refuses to start without X), `${X}` is X or empty.
 */
export function interpolate(value: string, samples: Record<string, string> = {}): string {
  return value
    .replace(
      /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
      (_all, name: string, fallback: string | undefined) => samples[name] || (fallback ?? ''),
    )
    .replace(/\$\{([A-Z0-9_]+):\+([^}]*)\}/g, (_all, name: string, replacement: string) =>
      samples[name] ? replacement : '',
    )
    .replace(/\$\{([A-Z0-9_]+):\?[^}]*\}/g, (_all, name: string) => {
      const sample = samples[name];
      if (sample === undefined) throw new Error(`no sample value for the required ${name}`);
      return sample;
    });
}

/** A service's environment as the container sees it. */
export function containerEnv(
  service: ComposeService,
  samples: Record<string, string> = {},
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [
      name,
      interpolate(value === null ? '' : String(value), samples),
    ]),
  );
}

/**
 * The variables some config loaders read, learnt from the loaders themselves rather than from a
 * list kept by hand. Each first runs on the environment as it is (so a value it cannot use
 * throws), then on one that records each variable looked up by name. That one cannot be listed: code that copies
 * the whole environment (to hand it to a library) would otherwise count as reading every variable.
 */
export function variablesRead(
  env: Record<string, string>,
  readers: Array<(env: NodeJS.ProcessEnv) => unknown>,
): Set<string> {
  for (const read of readers) read({ ...env });
  const seen = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name, receiver) {
      if (typeof name === 'string') seen.add(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
    has(target, name) {
      if (typeof name === 'string') seen.add(name);
      return Reflect.has(target, name);
    },
    ownKeys: () => [],
  });
  for (const read of readers) {
    try {
      read(recording);
    } catch {
      // Without the values it reads by listing (TEMPORAL_* through envconfig), a loader may refuse
      // at the end; the first run above is the one whose errors count.
    }
  }
  return seen;
}
