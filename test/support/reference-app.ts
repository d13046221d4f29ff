import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

const ROOT = join(__dirname, '..', '..');

/** An app configured like `npx cdk synth`: the context of cdk.json, plus `extraContext`. */
export function appLikeCdkSynth(outdir: string, extraContext: Record<string, unknown> = {}): App {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return new App({ outdir, context: { ...cdkJson.context, ...extraContext } });
}
