import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { checkKey, deleteLocalFile, isLocalFileKey, localFileExists, readLocalFile, recordingKey, type RecordingStore } from './recording-store.js';

/** An S3-compatible bucket for recordings. Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID, ...). */
export interface S3RecordingsConfig {
  bucket: string;
  /** Key prefix inside the bucket, e.g. `recordings/`; empty for none. */
  prefix: string;
  /** Endpoint of an S3-compatible service (MinIO, Ceph, R2...); null for AWS itself. */
  endpoint: string | null;
  region: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted services need. */
  forcePathStyle: boolean;
}

/**
 * Checksums only where the S3 API requires them. Newer AWS SDKs otherwise stream uploads as
 * `aws-chunked` with a trailing CRC32, which many S3-compatible services store verbatim.
 */
export const S3_COMPAT_OPTIONS = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;

/**
 * Recordings in an S3-compatible bucket. A call records into a local spool file; when the
 * recording closes it is uploaded with one PutObject and the spool file removed.
 */
export class S3RecordingStore implements RecordingStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(
    private readonly config: S3RecordingsConfig,
    /** Local folder for recordings in progress. */
    private readonly spoolDir: string,
    client?: S3Client,
  ) {
    this.client =
      client ??
      new S3Client({
        ...S3_COMPAT_OPTIONS,
        region: config.region,
        forcePathStyle: config.forcePathStyle,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      });
  }

  async localPath(callId: string): Promise<string> {
    await mkdir(this.spoolDir, { recursive: true });
    return path.join(this.spoolDir, recordingKey(callId));
  }

  async put(key: string, file: string): Promise<string> {
    const objectKey = this.objectKey(key);
    const info = await stat(file);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: objectKey,
        Body: createReadStream(file),
        ContentLength: info.size,
        ContentType: 'audio/wav',
      }),
    );
    await rm(file, { force: true });
    return key;
  }

  async get(key: string): Promise<{ stream: Readable; sizeBytes: number } | null> {
    if (isLocalFileKey(key)) return readLocalFile(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      if (!out.Body) return null;
      return { stream: out.Body as Readable, sizeBytes: out.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    if (isLocalFileKey(key)) return localFileExists(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    if (isLocalFileKey(key)) return deleteLocalFile(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${checkKey(key)}`;
  }
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404;
}
