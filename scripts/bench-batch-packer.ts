/**
 * `npx tsx scripts/bench-batch-packer.ts`: how fast the batch packer streams staged records into a
 * job, and its peak memory, against s3rver on 127.0.0.1. Figures, not pass/fail: CI does not run
 * this.
 *
 * s3rver runs in a child process (which also stages the records), so the peak RSS is the packer's
 * process alone, as in Lambda: Node, the AWS SDK and the packer, not the server or the set-up.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { S3Client } from '@aws-sdk/client-s3';
import { packStagedRecords } from '../lambda/batch-packer/pack';
import { type StagedRecord } from '../lambda/batch-shared/layout';
import { writeStagedChunk } from '../lambda/batch-shared/staged-chunks';
import { startLocalS3 } from '../test/support/s3rver';

const CHUNK_RECORDS = 10_000;
const SAMPLE_MS = 50;
const SERVE_FLAG = '--serve-staged-records';

export interface BenchResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
}

interface StagedServer {
  readonly endpoint: string;
  readonly bucket: string;
}

/** A staged record of about 1 KB, Claude-shaped. */
function stagedRecord(n: number): StagedRecord {
  return {
    recordId: `bench-${String(n).padStart(9, '0')}`,
    modelInput: {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 512,
      messages: [{ role: 'user', content: [{ type: 'text', text: `Record ${n}: ${'Summarize this product review. '.repeat(27)}` }] }],
    },
    metadata: { tenant: `tenant-${n % 17}` },
    attempt: 0,
    stagedAt: '2026-11-26T10:00:00.000Z',
  };
}

/** The child: starts s3rver, stages `records` records, prints where, and serves until stdin closes. */
async function serveStagedRecords(records: number): Promise<void> {
  const s3 = await startLocalS3('bench-batch-packer');
  for (let first = 0; first < records; first += CHUNK_RECORDS) {
    const chunk = Array.from({ length: Math.min(CHUNK_RECORDS, records - first) }, (_, i) => stagedRecord(first + i));
    // One millisecond apart, so chunk keys sort in writing order.
    await writeStagedChunk(s3.client, s3.bucket, chunk, new Date(Date.UTC(2026, 10, 26, 10, 0, 0, first / CHUNK_RECORDS)));
  }
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket } satisfies StagedServer)}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  await s3.close();
}

export async function benchBatchPacker(records = 200_000): Promise<BenchResult> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), __filename, SERVE_FLAG, String(records)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const server = await new Promise<StagedServer>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('{')) resolve(JSON.parse(line) as StagedServer);
      });
      child.once('exit', (code) => reject(new Error(`the s3rver child exited (${code}) before staging the records:\n${stderr}`)));
    });
    const s3 = new S3Client({
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, SAMPLE_MS);
    const start = performance.now();
    const result = await packStagedRecords(
      s3,
      server.bucket,
      { maxRecordsPerFile: 50_000, maxBytesPerFile: 1_000_000_000, maxRecordsPerJob: records, minRecordsPerJob: 1, maxBytesPerJob: 5_000_000_000 },
      new Date(),
    ).finally(() => clearInterval(sampler));
    const seconds = (performance.now() - start) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    s3.destroy();
    if (result.batchId === null || result.recordCount !== records) {
      throw new Error(`the packer packed ${JSON.stringify(result)}, expected all ${records} records`);
    }
    return {
      records,
      seconds: Math.round(seconds * 100) / 100,
      recordsPerSecond: Math.round(records / seconds),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
    };
  } finally {
    child.stdin.end();
    await exited;
  }
}

if (require.main === module) {
  void (async () => {
    if (process.argv[2] === SERVE_FLAG) {
      await serveStagedRecords(Number(process.argv[3]));
      return;
    }
    for (const records of [50_000, 200_000]) {
      const result = await benchBatchPacker(records);
      console.log(
        `${result.records.toLocaleString('en-US')} records: ${result.seconds} s, ` +
          `${result.recordsPerSecond.toLocaleString('en-US')} records/s, peak RSS ${result.peakRssMb} MB`,
      );
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
