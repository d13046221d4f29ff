import { join } from 'node:path';
import { buildSync } from 'esbuild';

export const LAMBDA_ROOT = join(__dirname, '..', '..', 'lambda');

/**
 * Bundles `lambda/<name>/index.ts` the way NodejsFunction does (esbuild, CommonJS, minified, the
 * AWS SDK left to the runtime), for Node.js 20: this machine runs 20, Lambda 24, and the bundle
 * must load on both.
 */
export function bundleHandler(name: string, outfile: string): void {
  buildSync({
    entryPoints: [join(LAMBDA_ROOT, name, 'index.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    outfile,
    logLevel: 'silent',
  });
}
