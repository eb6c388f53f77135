import type { ConfigDataSource } from '@temporalio/envconfig';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TemporalConfigError } from './temporal-config-error';

/** One piece of TLS material and the setting that gave it, for messages. */
export interface TlsSource {
  source: ConfigDataSource;
  /** e.g. `TEMPORAL_TLS_CLIENT_CERT_PATH` or `tls.client_cert_path in profile "prod" of /etc/temporal.toml` */
  setting: string;
}

export function readTlsBytes({ source, setting }: TlsSource): Buffer {
  if ('data' in source) return Buffer.from(source.data);
  try {
    return readFileSync(source.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
    throw new TemporalConfigError(
      `${source.path} (from ${setting}) ${why}: fix the path or the file's permissions`,
    );
  }
}

/** The certificate, or an error naming the setting; the file's content is never quoted. */
export function parseCertificate(bytes: Buffer, what: string, setting: string): X509Certificate {
  try {
    return new X509Certificate(bytes);
  } catch {
    throw new TemporalConfigError(
      `the ${what} from ${setting} is not a PEM certificate: expected a "-----BEGIN CERTIFICATE-----" block`,
    );
  }
}

export function parsePrivateKey(bytes: Buffer, setting: string): KeyObject {
  try {
    return createPrivateKey(bytes);
  } catch {
    throw new TemporalConfigError(
      `the TLS client key from ${setting} is not an unencrypted PEM private key: expected a "-----BEGIN PRIVATE KEY-----" (or RSA/EC) block without a passphrase`,
    );
  }
}
