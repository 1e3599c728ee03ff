/**
 * The recording stores against real backends: the directory store on the filesystem, the S3 store
 * against s3rver (a local server speaking the S3 REST protocol), both through the same contract.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../config.js';
import { DirectoryRecordingStore } from './directory-store.js';
import { checkKey, recordingKey, RecordingKeyError, type RecordingStore } from './recording-store.js';
import { S3_COMPAT_OPTIONS, S3RecordingStore } from './s3-store.js';
import { recordingTarget } from './target.js';
import { pino } from 'pino';

let root: string;
let s3: S3rver;
let endpoint: string;
const BUCKET = 'unpod-recordings';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'unpod-rec-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(root, 's3') });
  const address = (await s3.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${address.port}`;
  const admin = new S3Client({ ...S3_COMPAT_OPTIONS, endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
  admin.destroy();
});

afterAll(async () => {
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

function s3Store(prefix = ''): S3RecordingStore {
  const config = { bucket: BUCKET, prefix, endpoint, region: 'us-east-1', forcePathStyle: true };
  return new S3RecordingStore(config, path.join(root, 'spool'), new S3Client({ ...S3_COMPAT_OPTIONS, endpoint, region: 'us-east-1', forcePathStyle: true, credentials }));
}

const backends: Array<[string, () => RecordingStore]> = [
  ['directory', () => new DirectoryRecordingStore(path.join(root, 'dir'))],
  ['s3', () => s3Store('calls/')],
];

describe.each(backends)('RecordingStore contract (%s)', (_name, make) => {
  test('a recording written to the local path is stored by put, read back by get, then deleted', async () => {
    const store = make();
    const local = await store.localPath('SCL_abc');
    const content = 'RIFF-fake-wav-' + 'x'.repeat(5000);
    await writeFile(local, content);
    const key = await store.put(recordingKey('SCL_abc'), local);
    expect(key).toBe('SCL_abc.wav');
    expect(await store.exists(key)).toBe(true);
    const got = await store.get(key);
    expect(got?.sizeBytes).toBe(content.length);
    expect(await text(got!.stream)).toBe(content);
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
    await store.delete(key);
  });

  test('a missing recording is null, not an error', async () => {
    const store = make();
    expect(await store.get('SCL_missing.wav')).toBeNull();
    expect(await store.exists('SCL_missing.wav')).toBe(false);
  });

  test('keys that could escape the store are refused', async () => {
    const store = make();
    await expect(store.get('../etc/passwd')).rejects.toBeInstanceOf(RecordingKeyError);
    await expect(store.put('a/b.wav', path.join(root, 'none'))).rejects.toBeInstanceOf(RecordingKeyError);
    expect(() => checkKey('.hidden')).toThrow(RecordingKeyError);
  });
});

describe('S3RecordingStore', () => {
  test('upload removes the spool file and lands under the prefix in the bucket', async () => {
    const store = s3Store('rec/');
    const local = await store.localPath('SCL_up');
    await writeFile(local, 'abc');
    await store.put('SCL_up.wav', local);
    expect(existsSync(local)).toBe(false);
    const onDisk = await readFile(path.join(root, 's3', BUCKET, 'rec', 'SCL_up.wav._S3rver_object'), 'utf8');
    expect(onDisk).toBe('abc');
  });

  test('a bucket that does not exist fails put and keeps the local file', async () => {
    const config = { bucket: 'no-such-bucket', prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true };
    const store = new S3RecordingStore(config, path.join(root, 'spool2'), new S3Client({ ...S3_COMPAT_OPTIONS, endpoint, region: 'us-east-1', forcePathStyle: true, credentials }));
    const local = await store.localPath('SCL_nb');
    await writeFile(local, 'abc');
    await expect(store.put('SCL_nb.wav', local)).rejects.toThrow();
    expect(existsSync(local)).toBe(true);
  });
});

describe('recordingTarget', () => {
  test('when the bucket refuses the upload, the recording stays on this node and is still served', async () => {
    const config = { bucket: 'missing-bucket', prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true };
    const store = new S3RecordingStore(config, path.join(root, 'spool3'), new S3Client({ ...S3_COMPAT_OPTIONS, endpoint, region: 'us-east-1', forcePathStyle: true, credentials }));
    const saved: Array<[string, string]> = [];
    const target = await recordingTarget(store, 'SCL_keep', async (id, key) => void saved.push([id, key]), pino({ level: 'silent' }));
    await writeFile(target.recordingPath, 'kept');
    await target.saveRecording(target.recordingPath);
    expect(saved).toEqual([['SCL_keep', target.recordingPath]]);
    expect(await store.exists(target.recordingPath)).toBe(true);
    expect(await text((await store.get(target.recordingPath))!.stream)).toBe('kept');
  });

  test('a stored recording is saved on the call under its key', async () => {
    const store = s3Store('t/');
    const saved: Array<[string, string]> = [];
    const target = await recordingTarget(store, 'SCL_ok', async (id, key) => void saved.push([id, key]), pino({ level: 'silent' }));
    await writeFile(target.recordingPath, 'uploaded');
    await target.saveRecording(target.recordingPath);
    expect(saved).toEqual([['SCL_ok', 'SCL_ok.wav']]);
    expect(existsSync(target.recordingPath)).toBe(false);
    expect(await text((await store.get('SCL_ok.wav'))!.stream)).toBe('uploaded');
  });
});

describe('DirectoryRecordingStore', () => {
  test('rows from before the store (an absolute path) are still served', async () => {
    const file = path.join(root, 'legacy.wav');
    await writeFile(file, 'old');
    const store = new DirectoryRecordingStore(path.join(root, 'elsewhere'));
    expect(await text((await store.get(file))!.stream)).toBe('old');
  });
});

describe('recordings configuration', () => {
  const base = { UNPOD_DATA_DIR: '/data/unpod' };
  test('defaults to <data dir>/recordings; UNPOD_RECORDINGS_DIR points at a shared directory', () => {
    expect(loadConfig({}, base, '/').recordings).toEqual({ kind: 'directory', dir: '/data/unpod/recordings' });
    expect(loadConfig({}, { ...base, UNPOD_RECORDINGS_DIR: '/mnt/shared/rec' }, '/').recordings).toEqual({ kind: 'directory', dir: '/mnt/shared/rec' });
  });

  test('a bucket selects S3, with path-style on by default when an endpoint is given', () => {
    const c = loadConfig({}, { ...base, UNPOD_RECORDINGS_S3_BUCKET: 'calls-rec', UNPOD_RECORDINGS_S3_ENDPOINT: 'http://minio:9000', UNPOD_RECORDINGS_S3_PREFIX: 'eu/' }, '/').recordings;
    expect(c).toEqual({ kind: 's3', bucket: 'calls-rec', prefix: 'eu/', endpoint: 'http://minio:9000', region: 'us-east-1', forcePathStyle: true, spoolDir: '/data/unpod/recordings-spool' });
    const aws = loadConfig({}, { ...base, UNPOD_RECORDINGS_S3_BUCKET: 'calls-rec', AWS_REGION: 'eu-west-1' }, '/').recordings;
    expect(aws).toMatchObject({ endpoint: null, region: 'eu-west-1', forcePathStyle: false });
  });

  test.each([
    [{ UNPOD_RECORDINGS_S3_BUCKET: 'Bad_Bucket' }, 'UNPOD_RECORDINGS_S3_BUCKET'],
    [{ UNPOD_RECORDINGS_S3_BUCKET: 'ok-bucket', UNPOD_RECORDINGS_S3_ENDPOINT: 'minio:9000' }, 'UNPOD_RECORDINGS_S3_ENDPOINT'],
    [{ UNPOD_RECORDINGS_S3_BUCKET: 'ok-bucket', UNPOD_RECORDINGS_S3_PATH_STYLE: 'yes' }, 'UNPOD_RECORDINGS_S3_PATH_STYLE'],
    [{ UNPOD_RECORDINGS_S3_BUCKET: 'ok-bucket', UNPOD_RECORDINGS_S3_PREFIX: '/abs' }, 'UNPOD_RECORDINGS_S3_PREFIX'],
    [{ UNPOD_REDIS_URL: 'localhost:6379' }, 'UNPOD_REDIS_URL'],
  ])('bad value %o fails at boot naming %s', (env, name) => {
    expect(() => loadConfig({}, { ...base, ...env }, '/')).toThrow(name);
  });
});

