import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { JsonlWriter, listKeys, moveObject, readLines } from '../../../lambda/batch-shared/s3-jsonl';
import { type LocalS3, startLocalS3 } from '../../support/s3rver';

describe('S3 JSONL helpers (against s3rver)', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => s3.close());

  test('a small file is written in one PutObject and read back line by line, last line without newline included', async () => {
    const writer = new JsonlWriter(s3.client, s3.bucket, 'small/a.jsonl');
    await writer.write({ n: 1 });
    await writer.write({ n: 2 });
    expect(await writer.close()).toBe(Buffer.byteLength('{"n":1}\n{"n":2}\n'));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'small/b.jsonl', Body: '{"n":3}\n\n{"n":4}' }));
    const lines: string[] = [];
    for await (const { line } of readLines(s3.client, s3.bucket, 'small/b.jsonl')) lines.push(line);
    expect(lines).toEqual(['{"n":3}', '{"n":4}']);
  });

  test('a file larger than one part is uploaded in parts and reads back whole', async () => {
    const writer = new JsonlWriter(s3.client, s3.bucket, 'big/c.jsonl', 5 * 1024 * 1024);
    const padding = 'x'.repeat(1000);
    for (let n = 0; n < 12_000; n++) await writer.write({ n, padding });
    await writer.close();
    let count = 0;
    let last = -1;
    for await (const { line } of readLines(s3.client, s3.bucket, 'big/c.jsonl')) {
      last = (JSON.parse(line) as { n: number }).n;
      count++;
    }
    expect([count, last]).toEqual([12_000, 11_999]);
  });

  test('lists keys under a prefix and moves objects', async () => {
    await moveObject(s3.client, s3.bucket, 'small/a.jsonl', 'archive/small/a.jsonl');
    const keys: string[] = [];
    for await (const { key } of listKeys(s3.client, s3.bucket, 'archive/')) keys.push(key);
    expect(keys).toEqual(['archive/small/a.jsonl']);
    const moved = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'archive/small/a.jsonl' }));
    expect(await moved.Body?.transformToString()).toBe('{"n":1}\n{"n":2}\n');
    await expect(s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'small/a.jsonl' }))).rejects.toThrow();
  });
});
