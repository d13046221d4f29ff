/**
 * `bedrock-cost attribution`: prices a file of Bedrock model invocation log records and groups
 * the cost by a `requestMetadata` key, the model or the caller.
 */
import { readFileSync } from 'node:fs';
import {
  attributeCosts,
  type AttributionReport,
  attributionDimension,
  attributionToJson,
  InvocationLogError,
  InvocationLogPricing,
  parseInvocationLogFile,
} from '../lib/logging';
import { BUILT_IN_PRICE_SOURCE, type Usd } from '../lib/pricing';

export const ATTRIBUTION_USAGE = `  bedrock-cost attribution --from-file <log.jsonl[.gz]> --by <key> [--profiles <map.json>] [--json]
                                                   cost of invocation log records per requestMetadata
                                                   key, modelId or identity (the caller's role)`;

const HELP = `Usage:
${ATTRIBUTION_USAGE}

The log file holds model invocation log records, one JSON object per line, as Bedrock writes them
to S3 (gzip or not). --by takes 'modelId', 'identity' or a requestMetadata key ('tenant';
'requestMetadata.<key>' for a key named like the first two); records without the key form a
group of their own. --profiles maps application inference profiles (ARN or id) to the model or
cross-region id each copies from: { "arn:aws:bedrock:...:application-inference-profile/abc": "us.amazon.nova-pro-v1:0" }.
Records that cannot be priced are listed as unpriced, never counted as $0. In --json output the
dollar amounts are exact decimal strings.`;

interface Output {
  write(text: string): unknown;
}

class AttributionUsageError extends Error {
  constructor(
    message: string,
    public readonly showHelp = false,
  ) {
    super(message);
  }
}

const OPTIONS = ['--from-file', '--by', '--profiles'] as const;
type Option = (typeof OPTIONS)[number];

function parseArgs(args: readonly string[]): { values: Partial<Record<Option, string>>; json: boolean } {
  const values: Partial<Record<Option, string>> = {};
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') {
      json = true;
      continue;
    }
    const option = OPTIONS.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (option === undefined) {
      throw new AttributionUsageError(
        arg.startsWith('-') ? `unknown option '${arg}'; options: --from-file, --by, --profiles, --json` : `attribution takes no arguments besides its options, got '${arg}'`,
     
        true,
      );
    }
    if (values[option] !== undefined) {
      throw new AttributionUsageError(`${option} given twice`, true);
    }
    const value = arg === option ? args[++i] : arg.slice(option.length + 1);
    if (value === undefined || value === '' || value.startsWith('--')) {
      throw new AttributionUsageError(`${option} needs a value`, true);
    }
    values[option] = value;
  }
  return { values, json };
}

function readFile(path: string, kind: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new AttributionUsageError(`cannot read ${kind} file '${path}': ${reason}`);
  }
}

function readProfiles(path: string | undefined): InvocationLogPricing {
  if (path === undefined) {
    return InvocationLogPricing.DEFAULT;
  }
  let map: unknown;
  try {
    map = JSON.parse(readFile(path, 'profiles').toString('utf8'));
  } catch (error) {
    if (error instanceof AttributionUsageError) {
      throw error;
    }
    throw new AttributionUsageError(`profiles file '${path}' is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new AttributionUsageError(`profiles file '${path}' must be a JSON object of profile ARN or id -> model id`);
  }
  try {
    return new InvocationLogPricing({ applicationProfiles: map as Record<string, string> });
  } catch (error) {
    throw new AttributionUsageError(`profiles file '${path}': ${(error as Error).message}`);
  }
}

/** Six decimals throughout: per-request costs are fractions of a cent. */
function dollars(amount: Usd): string {
  const [whole, fraction] = amount.toFixed(6).split('.');
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** Left-aligns the first column, right-aligns the others. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd());
}

export function renderAttribution(report: AttributionReport, source: string): string {
  const rows: string[][] = [
    [report.by, 'Requests', 'Input tokens', 'Cache read', 'Cache write', 'Output tokens', 'Cost', 'Unpriced'],
    ...report.groups.map((group) => [
      group.key ?? `(no ${report.by})`,
      count(group.requests),
      count(group.inputTokens),
      count(group.cacheReadInputTokens),
      count(group.cacheWriteInputTokens),
      count(group.outputTokens),
      dollars(group.costUsd),
      group.unpricedRequests === 0 ? '' : count(group.unpricedRequests),
    ]),
  ];
  const [header, ...body] = table(rows);
  const lines = [
    `Invocation log: ${source} (${count(report.requests)} records)`,
    `Prices: ${BUILT_IN_PRICE_SOURCE.region}, as of ${BUILT_IN_PRICE_SOURCE.asOf}, USD (${BUILT_IN_PRICE_SOURCE.reference})`,
    '',
    header,
    '-'.repeat(header.length),
    ...body,
    '',
    `Total ${dollars(report.totalUsd)}`,
  ];
  if (report.unpriced.length > 0) {
    lines.push('', 'Unpriced, left out of every cost above (never counted as $0):');
    for (const model of report.unpriced) {
      lines.push(`  ${model.modelId}: ${count(model.requests)} request${model.requests === 1 ? '' : 's'}, ${model.reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `bedrock-cost attribution <args>` and returns its exit status (2 on bad input). */
export function runAttribution(args: readonly string[], out: Output, err: Output): number {
  try {
    const { values, json } = parseArgs(args);
    const fromFile = values['--from-file'];
    const by = values['--by'];
    if (fromFile === undefined || by === undefined) {
      throw new AttributionUsageError('attribution needs --from-file <log file> and --by <key>', true);
    }
    const pricing = readProfiles(values['--profiles']);
    let dimension: ReturnType<typeof attributionDimension>;
    try {
      dimension = attributionDimension(by);
    } catch (error) {
      throw new AttributionUsageError((error as Error).message, true);
    }
    let report: AttributionReport;
    try {
      report = attributeCosts(parseInvocationLogFile(readFile(fromFile, 'log'), fromFile), dimension, pricing);
    } catch (error) {
      if (error instanceof InvocationLogError) {
        throw new AttributionUsageError(error.message);
      }
      throw error;
    }
    out.write(json ? `${JSON.stringify(attributionToJson(report), null, 2)}\n` : renderAttribution(report, fromFile));
    return 0;
  } catch (error) {
    if (error instanceof AttributionUsageError) {
      err.write(`bedrock-cost: ${error.message}\n${error.showHelp ? `${HELP}\n` : ''}`);
      return 2;
    }
    err.write(`bedrock-cost: internal error: ${(error as Error).message}\n`);
    return 1;
  }
}
