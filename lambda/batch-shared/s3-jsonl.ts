import { createInterface } from 'node:readline';
import { type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

/** Every key under `prefix`, in S3's (lexicographic) order, page by page. */
export async function* listKeys(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<{ key: string; size: number }> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) {
        yield { key: object.Key, size: object.Size ?? 0 };
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * The non-empty lines of an object, streamed: memory stays bounded by the longest line, not the
 * object. A last line without a newline (as in real Bedrock files) is read too.
 */
export async function* readLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<{ line: string; lineNumber: number }> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) {
    return;
  }
  const lines = createInterface({ input: response.Body as Readable, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() !== '') {
      yield { line, lineNumber };
    }
  }
}

export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await response.Body?.transformToString()) ?? '') as T;
}

export async function writeJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
}

/** Moves an object (copy, then delete the original). */
export async function moveObject(s3: S3Client, bucket: string, from: string, to: string): Promise<void> {
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: `${bucket}/${encodeURIComponent(from).replace(/%2F/g, '/')}` }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: from }));
}

/** S3's smallest part, except the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * Writes a JSONL object of any size with bounded memory: lines are buffered up to one part
 * (`partBytes`, at least 5 MiB) and uploaded as multipart parts; a small object is one PutObject.
 */
export class JsonlWriter {
  private buffer: Buffer[] = [];
  private buffered = 0;
  private uploadId?: string;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  /** Bytes and lines written so far, the pending buffer included. */
  public bytes = 0;
  public lines = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    public readonly key: string,
    private readonly partBytes = 8 * 1024 * 1024,
  ) {
    if (partBytes < MIN_PART_BYTES) {
      throw new RangeError(`partBytes must be at least ${MIN_PART_BYTES}, got ${partBytes}`);
    }
  }

  /** Appends one JSON value as a line. */
  public async write(value: unknown): Promise<void> {
    await this.writeLine(JSON.stringify(value));
  }

  /** Appends one line that is already JSON. */
  public async writeLine(line: string): Promise<void> {
    const chunk = Buffer.from(`${line}\n`);
    this.buffer.push(chunk);
    this.buffered += chunk.length;
    this.bytes += chunk.length;
    this.lines++;
    if (this.buffered >= this.partBytes) {
      await this.flushPart();
    }
  }

  /** Finishes the object; returns its size in bytes. */
  public async close(): Promise<number> {
    try {
      if (this.uploadId === undefined) {
        await this.s3.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: Buffer.concat(this.buffer), ContentType: 'application/jsonl' }),
        );
      } else {
        if (this.buffered > 0) {
          await this.flushPart();
        }
        await this.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: this.key,
            UploadId: this.uploadId,
            MultipartUpload: { Parts: this.parts },
          }),
        );
      }
    } catch (error) {
      await this.abort();
      throw error;
    }
    this.buffer = [];
    this.buffered = 0;
    return this.bytes;
  }

  /** Gives up an unfinished multipart upload, so no parts linger. */
  public async abort(): Promise<void> {
    if (this.uploadId !== undefined) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }));
      this.uploadId = undefined;
    }
  }

  private async flushPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: 'application/jsonl' }),
      );
      this.uploadId = created.UploadId;
    }
    const partNumber = this.parts.length + 1;
    const body = Buffer.concat(this.buffer);
    this.buffer = [];
    this.buffered = 0;
    const uploaded = await this.s3.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body }),
    );
    this.parts.push({ ETag: uploaded.ETag ?? '', PartNumber: partNumber });
  }
}
