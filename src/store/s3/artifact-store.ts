import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ModelError, StoreError } from '../../errors.js';
import { awsClientOptions, describeAwsUrl, type AwsConfig } from '../remote/aws.js';
import { runLimited } from '../remote/limit.js';
import { callContext, guard, type CallContext } from '../remote/guard.js';
import type { ArtifactStore } from '../types.js';
import { generationFolder, keyOfMarker, markerObject, rootPrefix, validateFileName, validateKey, type DirectoryMarker } from './layout.js';

/** Uploads in flight at once. */
const UPLOAD_CONCURRENCY = 8;
/** Objects per DeleteObjects request (the S3 maximum). */
const DELETE_BATCH = 1_000;

/** Opens `s3://BUCKET/PREFIX[?endpoint=URL]` as an artifact store. */
export async function openS3ArtifactStore(url: URL, config: AwsConfig): Promise<S3ArtifactStore> {
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid S3 bucket name "${bucket}" in ${url.toString()}: expected 3 to 63 lowercase letters, digits, "." or "-"`);
  }
  for (const key of url.searchParams.keys()) {
    if (key !== 'endpoint') throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `unknown query parameter "${key}" in S3 store URL; supported: endpoint`);
  }
  const options = awsClientOptions(url, config);
  const client = new S3Client({
    ...options,
    // Local S3 servers (s3rver, MinIO) serve buckets as paths, not as host names.
    forcePathStyle: options.endpoint !== undefined,
    // Checksums only where S3 requires them, which local servers also understand.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const store = new S3ArtifactStore(url.toString(), client, bucket, rootPrefix(url.pathname), callContext('artifact', describeAwsUrl(url, config), config.STORE_TIMEOUT_MS));
  try {
    await store.ping();
  } catch (error) {
    client.destroy();
    throw error;
  }
  return store;
}

/**
 * Artifact store on S3. `putDirectory` uploads every file under a new generation folder and only
 * then writes the key's marker naming that generation and its files. A reader therefore sees all
 * of the new files or the old directory, never a mix, and `putDirectory` returns only after every
 * upload has completed. The previous generation is deleted after the marker switch. Transfers of large files get a longer
 * time limit than STORE_TIMEOUT_MS (`TRANSFER_TIMEOUT_MS`).
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly url: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly context: CallContext;
  private closed = false;

  constructor(url: string, client: S3Client, bucket: string, root: string, context: CallContext) {
    this.url = url;
    this.client = client;
    this.bucket = bucket;
    this.root = root;
    this.context = context;
  }

  async putDirectory(key: string, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
    validateKey(key);
    for (const name of files.keys()) validateFileName(name);
    const generation = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const folder = generationFolder(this.root, key, generation);

    try {
      const uploads = [...files].map(([name, data]) => () => this.putObject(`${folder}${name}`, data, `upload ${key}/${name}`));
      await runLimited(uploads, UPLOAD_CONCURRENCY);
    } catch (error) {
      await this.deletePrefix(folder).catch(() => {});
      throw error;
    }

    const previous = await this.readMarker(key);
    const marker: DirectoryMarker = { generation, files: [...files.keys()].sort(), writtenAt: Date.now() };
    await this.putObject(markerObject(this.root, key), Buffer.from(JSON.stringify(marker)), `write the marker of ${key}`);
    if (previous && previous.generation !== generation) await this.deletePrefix(generationFolder(this.root, key, previous.generation));
    return `s3://${this.bucket}/${this.root}${key}`;
  }

  async getFile(key: string, file: string): Promise<Buffer> {
    validateKey(key);
    validateFileName(file);
    // A file of a nested key can be named through a parent key ("a", "b/x.bin" for key "a/b"), as
    // in a folder tree. The key itself is tried first, then each split of the file name.
    const parts = file.split('/');
    for (let split = 0; split < parts.length; split++) {
      const owner = split === 0 ? key : `${key}/${parts.slice(0, split).join('/')}`;
      const data = await this.readFileOfKey(owner, parts.slice(split).join('/'));
      if (data) return data;
    }
    throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `artifact file ${file} not found under key ${key} in ${this.url}`);
  }

  /** Files of the key and of every key nested below it, by path relative to the key, as in a folder tree. */
  async listFiles(key: string): Promise<string[]> {
    validateKey(key);
    const files = [...((await this.readMarker(key))?.files ?? [])];
    for (const nested of await this.nestedKeys(key)) {
      const marker = await this.readMarker(nested);
      const relative = nested.slice(key.length + 1);
      for (const name of marker?.files ?? []) files.push(`${relative}/${name}`);
    }
    return files.sort();
  }

  async listKeys(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    for await (const name of this.listObjects(`${this.root}${prefix}`)) {
      const key = keyOfMarker(this.root, name);
      if (key !== null && key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort();
  }

  async exists(key: string): Promise<boolean> {
    validateKey(key);
    return (await this.readMarker(key)) !== null;
  }

  /** Deletes the key and every key nested below it, as removing a folder tree does. */
  async deleteDirectory(key: string): Promise<void> {
    validateKey(key);
    // Markers go first, so readers stop seeing the keys before their files disappear.
    for (const owner of [key, ...(await this.nestedKeys(key))]) {
      await guard(this.context, `delete the marker of ${owner}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: markerObject(this.root, owner) })));
    }
    await this.deletePrefix(`${this.root}${key}/`);
  }

  async ping(): Promise<void> {
    try {
      await guard(this.context, `check bucket ${this.bucket}`, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
    } catch (error) {
      if (statusOf(error) === 404) throw new StoreError('REC_ERR_STORE_UNAVAILABLE', `S3 bucket ${this.bucket} does not exist (${this.context.maskedUrl}); create it first`);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  private async readFileOfKey(key: string, file: string): Promise<Buffer | null> {
    // A replacement may delete the generation between the two reads; the second try follows the new marker.
    for (let attempt = 0; attempt < 2; attempt++) {
      const marker = await this.readMarker(key);
      if (!marker || !marker.files.includes(file)) return null;
      const data = await this.getObject(`${generationFolder(this.root, key, marker.generation)}${file}`, `read ${key}/${file}`);
      if (data) return data;
    }
    throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `artifact file ${file} under key ${key} vanished from ${this.url} while reading it`);
  }

  /** Keys written below `key/`, sorted. */
  private async nestedKeys(key: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const name of this.listObjects(`${this.root}${key}/`)) {
      const nested = keyOfMarker(this.root, name);
      if (nested !== null && nested !== key) keys.push(nested);
    }
    return keys.sort();
  }

  private async readMarker(key: string): Promise<DirectoryMarker | null> {
    const data = await this.getObject(markerObject(this.root, key), `read the marker of ${key}`);
    return data ? (JSON.parse(data.toString('utf8')) as DirectoryMarker) : null;
  }

  /** Downloads one object; null when it does not exist. */
  private async getObject(name: string, operation: string): Promise<Buffer | null> {
    try {
      return await guard(
        this.context,
        operation,
        async () => {
          const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name }));
          return Buffer.from(await result.Body!.transformToByteArray());
        },
        TRANSFER_TIMEOUT_MS,
      );
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  private async putObject(name: string, data: Uint8Array, operation: string): Promise<void> {
    await guard(this.context, operation, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: name, Body: data, ContentLength: data.byteLength })), TRANSFER_TIMEOUT_MS);
  }

  private async *listObjects(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await guard(this.context, `list ${prefix}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async deletePrefix(prefix: string): Promise<void> {
    let batch: string[] = [];
    const flush = async () => {
      const names = batch;
      batch = [];
      if (names.length === 0) return;
      await guard(this.context, `delete ${names.length} objects under ${prefix}`, () =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: names.map((Key) => ({ Key })), Quiet: true } })),
      );
    };
    for await (const name of this.listObjects(prefix)) {
      batch.push(name);
      if (batch.length >= DELETE_BATCH) await flush();
    }
    await flush();
  }
}

/** Limit of one upload or download, ms: model files of hundreds of MB take longer than a request. */
const TRANSFER_TIMEOUT_MS = 600_000;

function statusOf(error: unknown): number | undefined {
  const name = (error as { name?: string })?.name;
  if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket') return 404;
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
