/**
 * Where lake objects live: an S3 bucket (any S3-compatible endpoint) or a local folder laid out
 * exactly like the bucket (`${LAKE_LOCAL_DIR}/${LAKE_BUCKET}/<key>`), ARCHITECTURE §2 and §5.
 *
 * Both stores make a put atomic for readers: S3 shows an object only once PutObject or
 * CompleteMultipartUpload succeeds (a failed multipart upload is aborted, never completed), and the
 * local store writes a hidden temporary file beside the target and renames it into place. Readers
 * therefore see the previous object or the new one, never half of one.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Config } from '../config';

export interface LakeObject {
  key: string;
  size: number;
}

export interface LakeStore {
  readonly kind: 'local' | 's3';
  /** Where a key is, for people and engines: `s3://bucket/key` or an absolute path. */
  uri(key: string): string;
  /** Uploads a local file to `key`, atomically for readers; overwrites. */
  putFile(key: string, localPath: string, signal?: AbortSignal): Promise<void>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): Promise<LakeObject[]>;
  delete(keys: string[]): Promise<void>;
  getToFile(key: string, localPath: string, signal?: AbortSignal): Promise<void>;
}

/** Files at or above this size go up as a multipart upload (parallel parts, resumable by the SDK). */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;

export class LocalLakeStore implements LakeStore {
  readonly kind = 'local' as const;
  /** The bucket folder: `${LAKE_LOCAL_DIR}/${LAKE_BUCKET}`. */
  readonly root: string;

  constructor(localDir: string, bucket: string) {
    this.root = path.resolve(localDir, bucket);
  }

  uri(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.uri(key);
    await mkdir(path.dirname(target), { recursive: true });
    // Dot-prefixed and not *.parquet: no reader glob or Hive engine picks the temporary file up.
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await copyFile(localPath, tmp);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const out: LakeObject[] = [];
    // The prefix may end mid-name (like S3's); walk from its folder and filter.
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    const walk = async (dirKey: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(this.uri(dirKey || '.'), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const key = `${dirKey}${e.name}`;
        if (e.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(`${key}/`);
        } else if (e.isFile() && key.startsWith(prefix)) {
          out.push({ key, size: (await stat(this.uri(key))).size });
        }
      }
    };
    await walk(baseKey);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      await unlink(this.uri(key)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      // Tidy empty partition folders (S3 has no folders to leave behind either).
      let dir = path.dirname(this.uri(key));
      while (dir.startsWith(this.root) && dir !== this.root) {
        try {
          await rmdir(dir);
        } catch {
          break;
        }
        dir = path.dirname(dir);
      }
    }
  }

  async getToFile(key: string, localPath: string): Promise<void> {
    await copyFile(this.uri(key), localPath);
  }
}

export interface S3StoreOptions {
  bucket: string;
  client: S3Client;
}

export class S3LakeStore implements LakeStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  readonly client: S3Client;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.client = opts.client;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async putFile(key: string, localPath: string, signal?: AbortSignal): Promise<void> {
    const { size } = await stat(localPath);
    if (size < MULTIPART_THRESHOLD) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: await readFile(localPath), ContentType: 'application/vnd.apache.parquet' }), {
        abortSignal: signal,
      });
      return;
    }
    // queueSize × partSize bounds the memory the upload buffers (16 MB).
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: createReadStream(localPath), ContentType: 'application/vnd.apache.parquet' },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const out: LakeObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: Number(o.Size ?? 0) });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
      if (res.Errors && res.Errors.length > 0) {
        throw new Error(`could not delete ${res.Errors.length} lake object(s): ${res.Errors.map((e) => `${e.Key}: ${e.Code}`).join(', ')}`);
      }
    }
  }

  async getToFile(key: string, localPath: string, signal?: AbortSignal): Promise<void> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
    await pipeline(res.Body as Readable, createWriteStream(localPath));
  }

  /** For tests and `dev`: create the bucket when it does not exist. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }
}

export interface S3ClientOptions {
  /** Attempts per request including the first (the SDK backs off between them); default 3. */
  maxAttempts?: number;
}

/** Credentials: the AWS_* variables captured by loadConfig, else the SDK's default chain. */
export function createS3Client(lake: Config['lake'], opts: S3ClientOptions = {}): S3Client {
  return new S3Client({
    region: lake.region,
    credentials: lake.credentials,
    endpoint: lake.s3Endpoint,
    // S3-compatible servers (MinIO, moto, Ceph) address buckets by path, not by DNS name.
    forcePathStyle: lake.s3Endpoint !== undefined,
    maxAttempts: opts.maxAttempts ?? 3,
    // An unreachable endpoint should fail in seconds, not hang an activity until its timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 300_000 },
  });
}

export function createLakeStore(lake: Config['lake'], opts: S3ClientOptions = {}): LakeStore {
  return lake.store === 's3' ? new S3LakeStore({ bucket: lake.bucket, client: createS3Client(lake, opts) }) : new LocalLakeStore(lake.localDir, lake.bucket);
}
