import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleHandler, LAMBDA_ROOT } from '../support/handler-bundle';

const HANDLERS = readdirSync(LAMBDA_ROOT).filter((name) => statSync(join(LAMBDA_ROOT, name)).isDirectory() && !name.endsWith('shared'));
/** Handlers that price model ids carry the price catalog (lib/pricing/catalog.json, ~40 KB) inlined. */
const WITH_PRICE_CATALOG = ['batch-completer', 'cost-report'];

/**
 * Every handler bundles the way NodejsFunction bundles it (esbuild, CommonJS, minified, the AWS SDK
 * left to the runtime), stays small, and loads: a bundle that cannot even be required would fail
 * every invocation in Lambda.
 */
describe('Lambda bundles', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'bundles-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('there is a handler folder for every function the constructs create', () => {
    expect(HANDLERS.sort()).toEqual([
      'alert-formatter',
      'anomaly-monitor',
      'batch-collector',
      'batch-completer',
      'batch-packer',
      'batch-resumer',
      'batch-submitter',
      'cost-report',
      'invocation-logging',
      'router',
      'router-agent',
      'tag-activation',
    ]);
  });

  test.each(HANDLERS)('%s bundles under 100 KB (128 KB with the price catalog) and exports a handler that loads', (name) => {
    const outfile = join(outdir, `${name}.js`);
    bundleHandler(name, outfile);
    expect(statSync(outfile).size).toBeLessThan((WITH_PRICE_CATALOG.includes(name) ? 128 : 100) * 1024);
    const loaded = spawnSync(
      process.execPath,
      ['-e', `const m = require(${JSON.stringify(outfile)}); process.stdout.write(typeof m.handler);`],
      { cwd: join(__dirname, '..', '..'), encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', NODE_PATH: join(__dirname, '..', '..', 'node_modules') } },
    );
    expect(loaded.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*/, '')).toBe('');
    expect(loaded.stdout).toBe('function');
  });
});
