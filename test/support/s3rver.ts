import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** A real S3-protocol server on 127.0.0.1 (s3rver), on a port the OS picks, with one bucket. */
export interface LocalS3 {
  readonly client: S3Client;
  readonly bucket: string;
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver and points the AWS SDK at it through `AWS_ENDPOINT_URL_S3` (with dummy
 * credentials), so handler modules imported afterwards create working clients unchanged.
 */
export async function startLocalS3(bucket = 'bedrock-batch-test'): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const address = (await server.run()) as unknown as { address: string; port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    client,
    bucket,
    endpoint,
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
