import path from 'node:path';
import type { S3RecordingsConfig } from './s3-store.js';

/** Where recordings are kept: a directory (default `<dataDir>/recordings`) or an S3 bucket. */
export type RecordingsConfig = { kind: 'directory'; dir: string } | ({ kind: 's3'; spoolDir: string } & S3RecordingsConfig);

/** Env variables read by {@link loadRecordingsConfig} (AWS credentials are read by the AWS SDK itself). */
export const RECORDINGS_ENV_VARS = [
  'UNPOD_RECORDINGS_DIR',
  'UNPOD_RECORDINGS_S3_BUCKET',
  'UNPOD_RECORDINGS_S3_PREFIX',
  'UNPOD_RECORDINGS_S3_ENDPOINT',
  'UNPOD_RECORDINGS_S3_REGION',
  'UNPOD_RECORDINGS_S3_PATH_STYLE',
] as const;

/**
 * Called from the config module with its env (the one place env is read). Throws `make(message)`
 * (a `ConfigError`) for bad values.
 */
export function loadRecordingsConfig(env: NodeJS.ProcessEnv, dataDir: string, cwd: string, make: (message: string) => Error): RecordingsConfig {
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const bucket = get('UNPOD_RECORDINGS_S3_BUCKET');
  if (bucket === undefined) return { kind: 'directory', dir: path.resolve(cwd, get('UNPOD_RECORDINGS_DIR') ?? path.join(dataDir, 'recordings')) };
  // S3 bucket naming rules (3-63 lower-case letters, digits, dots, hyphens).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw make(`UNPOD_RECORDINGS_S3_BUCKET: "${bucket}" is not a valid bucket name`);
  const endpoint = get('UNPOD_RECORDINGS_S3_ENDPOINT') ?? null;
  if (endpoint !== null && !/^https?:\/\/[^\s/]+/.test(endpoint)) throw make(`UNPOD_RECORDINGS_S3_ENDPOINT: "${endpoint}" is not an http(s) URL`);
  const rawPathStyle = (get('UNPOD_RECORDINGS_S3_PATH_STYLE') ?? (endpoint ? 'true' : 'false')).toLowerCase();
  if (rawPathStyle !== 'true' && rawPathStyle !== 'false') throw make(`UNPOD_RECORDINGS_S3_PATH_STYLE: "${rawPathStyle}" is not true or false`);
  const prefix = get('UNPOD_RECORDINGS_S3_PREFIX') ?? '';
  if (!/^[A-Za-z0-9_./-]{0,200}$/.test(prefix) || prefix.startsWith('/')) throw make(`UNPOD_RECORDINGS_S3_PREFIX: "${prefix}" is not a key prefix (letters, digits, _ . - /)`);
  return {
    kind: 's3',
    bucket,
    prefix,
    endpoint,
    region: get('UNPOD_RECORDINGS_S3_REGION') ?? get('AWS_REGION') ?? 'us-east-1',
    forcePathStyle: rawPathStyle === 'true',
    spoolDir: path.join(dataDir, 'recordings-spool'),
  };
}
