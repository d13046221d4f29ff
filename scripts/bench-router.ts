/**
 * The router's benchmark, in-process against local servers with the Bedrock stub answering at
 * once: rules decision time, router overhead per request (handler wall time minus the time
 * spent inside the agent invocation, as the Lambda stub measures it), the cache-hit path against
 * a real redis-server (plain and TLS, with the connect-and-first-GET time of a cold start) and
 * against dynalite, and each routing bundle's size and cold load time.
 *
 * `tsx scripts/bench-router.ts` runs every phase, each in its own process (a handler module reads
 * its configuration once); `tsx scripts/bench-router.ts <phase>` runs one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type APIGatewayProxyStructuredResultV2, type LambdaFunctionURLEvent } from 'aws-lambda';
import { BedrockModel } from '../lib/pricing';
import { type AgentConfig, type CacheConfig, type RouterConfig } from '../lib/routing/contract';
import { startBedrockStub } from '../test/support/bedrock-stub';
import { startDynalite } from '../test/support/dynalite';
import { bundleHandler } from '../test/support/handler-bundle';
import { startLambdaStub } from '../test/support/lambda-stub';
import { RespClient } from '../lambda/router/resp-client';
import { startRedisServer } from '../test/support/redis-server';
import { type SelfSignedCertificate, selfSignedCertificate } from '../test/support/self-signed-cert';

const ROOT = join(__dirname, '..');
const PHASES = ['rules', 'overhead', 'cache-hit-redis', 'cache-hit-redis-tls', 'cache-hit-dynamodb', 'bundles'] as const;
type Phase = (typeof PHASES)[number];

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Results go through the real stdout; what the handlers print (logs, EMF) is formatted as in Lambda, then dropped. */
const printResult = process.stdout.write.bind(process.stdout);
function muteHandlerOutput(): void {
  process.stdout.write = (() => true) as typeof process.stdout.write;
}

function report(label: string, values: readonly number[], unit: 'ms' | 'us', target?: string): void {
  const scale = unit === 'us' ? 1000 : 1;
  const format = (ms: number) => `${(ms * scale).toFixed(unit === 'us' ? 2 : 3)} ${unit}`;
  printResult(`${label.padEnd(44)} p50 ${format(percentile(values, 50)).padStart(11)}  p99 ${format(percentile(values, 99)).padStart(11)}  (n=${values.length})${target ? `  target: ${target}` : ''}\n`);
}

const RULES: RouterConfig['classifier']['rules'] = [
  { tier: 'faq', keywords: ['opening hours', 'refund', 'return policy', 'shipping', 'reset my password'], patterns: [] },
  { tier: 'technical', keywords: [], patterns: [{ source: '\\berror\\s+(code\\s+)?[A-Z]*\\d{3,}\\b', flags: 'i' }, { source: '\\b(api|sdk|webhook)s?\\b', flags: 'i' }] },
];

function routerConfig(cache: CacheConfig): RouterConfig {
  const priced = (model: BedrockModel) => ({ modelId: model.modelId, prices: model.prices });
  return {
    routerName: 'bench',
    tiers: [
      { name: 'faq', description: 'FAQ', maxTokens: 400, ...priced(BedrockModel.NOVA_MICRO) },
      { name: 'technical', description: 'Technical', maxTokens: 1000, ...priced(BedrockModel.NOVA_LITE) },
    ],
    defaultTier: 'faq',
    maxEscalations: 1,
    classifier: { rules: RULES },
    baseline: priced(BedrockModel.NOVA_PRO),
    cache,
    limits: { maxBodyBytes: 65536, maxPromptCharacters: 32000, maxMessages: 50 },
    requestTimeoutMs: 30_000,
    configVersion: 'bench',
  };
}

function event(body: unknown): LambdaFunctionURLEvent {
  return { body: JSON.stringify(body), isBase64Encoded: false, requestContext: { http: { method: 'POST' } } } as unknown as LambdaFunctionURLEvent;
}

type Handler = (event: LambdaFunctionURLEvent, context: { awsRequestId: string }) => Promise<APIGatewayProxyStructuredResultV2>;

/** Writes the configs, points the handlers at them, and loads the router (after the env is set). */
async function loadRouter(cache: CacheConfig, extraEnv: Record<string, string>): Promise<{ handler: Handler; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-router-'));
  writeFileSync(join(dir, 'router.json'), JSON.stringify(routerConfig(cache)));
  Object.assign(process.env, {
    CONFIG_FILE: join(dir, 'router.json'),
    AGENT_FUNCTIONS: JSON.stringify({ faq: 'faq-agent', technical: 'technical-agent' }),
    ...extraEnv,
  });
  const { handler } = (await import('../lambda/router/index')) as { handler: Handler };
  return { handler, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real built-in agent, loaded with its own config file; runs inside the Lambda stub. */
async function loadAgent(): Promise<(payload: unknown) => Promise<unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const config: AgentConfig = { tier: 'faq', systemPrompt: 'You answer FAQs.', maxTokens: 400, promptCaching: true, fallbackPromptCaching: false };
  writeFileSync(join(dir, 'agent.json'), JSON.stringify(config));
  const previous = process.env.CONFIG_FILE;
  process.env.CONFIG_FILE = join(dir, 'agent.json');
  process.env.MODEL_ID = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/faq';
  const { handler } = (await import('../lambda/router-agent/index')) as { handler: (payload: unknown) => Promise<unknown> };
  // The agent reads its config on its first call: make that call now, then give the router its file back.
  await handler({ messages: [{ role: 'user', content: 'warm up' }], maxTokens: 10, tier: 'faq', canEscalate: false, timeoutMs: 5000, requestId: 'warm' });
  process.env.CONFIG_FILE = previous;
  return handler;
}

async function timeRules(): Promise<void> {
  const { compileRules, classifyByRules } = await import('../lambda/router/classify');
  const rules = compileRules(RULES);
  const prompts = [
    'What are your opening hours on Sunday?',
    'My webhook returns error code E5003 after the upgrade, what changed?',
    'Can you compare the two subscription plans for a team of twelve people who travel a lot and need offline access?',
    'x'.repeat(2000),
  ];
  for (let warm = 0; warm < 20_000; warm++) classifyByRules(rules, prompts[warm % prompts.length]);
  const times: number[] = [];
  for (let run = 0; run < 100_000; run++) {
    const start = performance.now();
    classifyByRules(rules, prompts[run % prompts.length]);
    times.push(performance.now() - start);
  }
  report('rules decision (classifyByRules)', times, 'us', 'p99 < 1 ms');
}

async function timeOverhead(): Promise<void> {
  const bedrock = await startBedrockStub({ kind: 'answer', text: 'We open at nine.', usage: { inputTokens: 420, outputTokens: 12 } });
  const lambda = await startLambdaStub();
  const agent = await loadAgent();
  lambda.register('faq-agent', agent);
  lambda.register('technical-agent', agent);
  const { handler, cleanup } = await loadRouter({ kind: 'none' }, {});
  try {
    const overhead: number[] = [];
    const total: number[] = [];
    for (let run = 0; run < 2200; run++) {
      const start = performance.now();
      const result = await handler(event({ prompt: `What are your opening hours on day ${run}?` }), { awsRequestId: `r${run}` });
      const elapsed = performance.now() - start;
      if (result.statusCode !== 200) throw new Error(`router answered ${result.statusCode}: ${result.body}`);
      const agentMs = lambda.calls[lambda.calls.length - 1].durationMs;
      if (run >= 200) {
        total.push(elapsed);
        overhead.push(elapsed - agentMs);
      }
    }
    report('request, end to end (stubs answer at once)', total, 'ms');
    report('router overhead (total minus agent time)', overhead, 'ms', 'p99 < 5 ms');
  } finally {
    cleanup();
    await lambda.close();
    await bedrock.close();
  }
}

/** TLS as ElastiCache Serverless speaks it: a TLS-only redis-server whose certificate the router trusts. */
interface TlsSetup {
  readonly certificate: SelfSignedCertificate;
}

/**
 * The router trusts only Node's CAs and those of NODE_EXTRA_CA_CERTS, which Node reads at start:
 * the TLS phase makes a certificate, then runs itself again with the variable set.
 */
function tlsSetup(): TlsSetup | undefined {
  const certFile = process.env.NODE_EXTRA_CA_CERTS;
  const keyFile = process.env.BENCH_REDIS_TLS_KEY;
  if (certFile && keyFile) {
    return { certificate: { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  const { cert, key } = selfSignedCertificate();
  writeFileSync(join(dir, 'cert.pem'), cert);
  writeFileSync(join(dir, 'key.pem'), key);
  const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, 'cache-hit-redis-tls'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), BENCH_REDIS_TLS_KEY: join(dir, 'key.pem') },
  });
  rmSync(dir, { recursive: true, force: true });
  printResult(child.stdout);
  if (child.status !== 0) {
    throw new Error(`the TLS cache-hit phase failed: ${child.stderr}`);
  }
  return undefined;
}

/** A fresh RespClient's first reply: connection (and TLS handshake) plus one GET, as on a cold start. */
async function timeFirstCommand(url: string, label: string): Promise<void> {
  const times: number[] = [];
  for (let run = 0; run < 50; run++) {
    const client = new RespClient({ url, timeoutMs: 2000 });
    const start = performance.now();
    await client.command(['GET', 'bench:first'], 'bench:first');
    times.push(performance.now() - start);
    client.close();
  }
  report(label, times.slice(5), 'ms');
}

async function timeCacheHits(backend: 'redis' | 'redis-tls' | 'dynamodb'): Promise<void> {
  const tls = backend === 'redis-tls' ? tlsSetup() : undefined;
  if (backend === 'redis-tls' && tls === undefined) {
    return; // measured by the child that tlsSetup ran
  }
  const bedrock = await startBedrockStub({ kind: 'answer', text: 'We open at nine.' });
  const lambda = await startLambdaStub();
  lambda.register('faq-agent', await loadAgent());
  const redis = backend === 'dynamodb' ? undefined : await startRedisServer({ tls: tls?.certificate });
  const dynamo = backend === 'dynamodb' ? await startDynalite('bench-cache') : undefined;
  const env: Record<string, string> = redis ? { REDIS_URL: redis.url } : { CACHE_TABLE: dynamo?.table ?? '' };
  const { handler, cleanup } = await loadRouter({ kind: backend === 'dynamodb' ? 'dynamodb' : 'redis', ttlSeconds: 300, shareAcrossTenants: false }, env);
  try {
    const body = { prompt: 'What are your opening hours?', tenantId: 'acme' };
    const first = await handler(event(body), { awsRequestId: 'fill' });
    if (first.statusCode !== 200) throw new Error(`router answered ${first.statusCode}: ${first.body}`);
    const times: number[] = [];
    for (let run = 0; run < 2200; run++) {
      const start = performance.now();
      const result = await handler(event(body), { awsRequestId: `hit${run}` });
      const elapsed = performance.now() - start;
      if (result.statusCode !== 200 || !(JSON.parse(String(result.body)) as { cached: boolean }).cached) {
        throw new Error(`expected a cache hit, got ${result.statusCode}: ${result.body}`);
      }
      if (run >= 200) times.push(elapsed);
    }
    const label = { redis: 'local redis-server', 'redis-tls': 'local redis-server over TLS', dynamodb: 'dynalite (in-memory DynamoDB)' }[backend];
    report(`cache hit, ${label}`, times, 'ms', backend === 'dynamodb' ? undefined : 'p99 < 5 ms');
    if (redis) {
      await timeFirstCommand(redis.url, `Redis connect + first GET${tls ? ' (TLS)' : ''}`);
    }
  } finally {
    cleanup();
    await redis?.stop();
    await dynamo?.close();
    await lambda.close();
    await bedrock.close();
  }
}

function bundles(): void {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  try {
    for (const name of ['router', 'router-agent']) {
      const outfile = join(outdir, `${name}.js`);
      bundleHandler(name, outfile);
      // A fresh process per load: the time is the module's cold init (its SDK clients included), as Lambda sees it.
      const loads: number[] = [];
      for (let run = 0; run < 10; run++) {
        const script = `const t=performance.now();require(${JSON.stringify(outfile)});process.stdout.write(String(performance.now()-t));`;
        const loaded = spawnSync(process.execPath, ['-e', script], {
          encoding: 'utf8',
          env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', NODE_PATH: join(ROOT, 'node_modules') },
        });
        loads.push(Number(loaded.stdout));
      }
      const kb = statSync(outfile).size / 1024;
      printResult(`${`${name} bundle`.padEnd(44)} ${kb.toFixed(1).padStart(6)} KB (target < 100 KB)  cold load p50 ${percentile(loads, 50).toFixed(1)} ms, max ${Math.max(...loads).toFixed(1)} ms (target < 150 ms)\n`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function run(phase: Phase): Promise<void> {
  // The handlers log and publish metrics as they do in Lambda (info lines, one EMF document a request).
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'INFO' });
  muteHandlerOutput();
  switch (phase) {
    case 'rules':
      return timeRules();
    case 'overhead':
      return timeOverhead();
    case 'cache-hit-redis':
      return timeCacheHits('redis');
    case 'cache-hit-redis-tls':
      return timeCacheHits('redis-tls');
    case 'cache-hit-dynamodb':
      return timeCacheHits('dynamodb');
    case 'bundles':
      return bundles();
  }
}

const requested = process.argv[2] as Phase | undefined;
if (requested !== undefined) {
  if (!PHASES.includes(requested)) {
    throw new Error(`unknown phase '${requested}'; phases: ${PHASES.join(', ')}`);
  }
  void run(requested).then(() => process.exit(0));
} else {
  for (const phase of PHASES) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, phase], { cwd: ROOT, encoding: 'utf8' });
    process.stdout.write(child.stdout);
    if (child.status !== 0) {
      throw new Error(`router benchmark phase ${phase} failed: ${child.stderr}`);
    }
  }
}
