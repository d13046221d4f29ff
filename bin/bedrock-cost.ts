/**
 * bedrock-cost: estimate what a Bedrock workload costs per month, and what each cost-saving
 * strategy saves; digest a week of exported Bedrock metrics. `bin/bedrock-cost.js` is the
 * executable; this module holds the logic.
 */
import { readFileSync } from 'node:fs';
import {
  BUILT_IN_PRICE_SOURCE,
  compareStrategies,
  CostStrategy,
  estimateToJson,
  formatUsd,
  parseWorkload,
  PriceTable,
  type WorkloadEstimate,
} from '../lib/pricing';
import { buildCostReport, parseMetricsExport, renderReport } from '../lib/reporting/report-engine';

const USAGE = `Usage:
  bedrock-cost estimate <workload.json> [--json]   monthly cost and savings per strategy
  bedrock-cost report --from-file <metrics.json> [--json]
                                                   cost digest of exported Bedrock metrics,
                                                   with recommendations
  bedrock-cost models [--json]                     the built-in price table
  bedrock-cost --help

The metrics file of 'report' (example: examples/metrics/sample-week.json):
  { "periodSeconds": 3600, "start": "<ISO 8601>", "end": "<ISO 8601>",
    "current": { "MetricDataResults": [
      { "Label": "<ModelId> <MetricName>", "Timestamps": ["<ISO 8601>", ...], "Values": [<Sum>, ...] } ] },
    "previous": { "MetricDataResults": [...] },      optional: the same length just before start
    "labels": { "<ModelId>": "<name>" } }            optional
  "current" and "previous" are the output of 'aws cloudwatch get-metric-data --scan-by
  TimestampAscending' for namespace AWS/Bedrock, dimension ModelId, statistic Sum, with each
  query's Label set to "<ModelId> <MetricName>". MetricName: Invocations, InputTokenCount,
  OutputTokenCount, CacheReadInputTokenCount, CacheWriteInputTokenCount (missing ones count 0).

Exit status: 0 on success, 2 on bad input (the message names the field), 1 on an internal error.`;

const STRATEGY_LABELS: Record<CostStrategy, string> = {
  [CostStrategy.MODEL_ROUTING]: 'Model routing',
  [CostStrategy.PROMPT_CACHING]: 'Prompt caching',
  [CostStrategy.RESPONSE_CACHE]: 'Response cache',
  [CostStrategy.BATCH]: 'Batch inference',
  [CostStrategy.SERVICE_TIER]: 'Service tier',
};

/** Bad input: reported as one line (plus the usage, for a malformed command line) and exit status 2. */
class UsageError extends Error {
  constructor(
    message: string,
    public readonly showUsage = false,
  ) {
    super(message);
  }
}

export interface Output {
  write(text: string): unknown;
}

function formatPercent(percent: number): string {
  return `${percent.toFixed(2)}%`;
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Left-aligns the first column and right-aligns the others. */
function renderTable(rows: readonly (readonly string[])[], separatorAfter: readonly number[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const render = (row: readonly string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const lines: string[] = [];
  rows.forEach((row, index) => {
    lines.push(render(row).trimEnd());
    if (separatorAfter.includes(index)) {
      lines.push(rule);
    }
  });
  return lines.join('\n');
}

export function renderEstimate(estimate: WorkloadEstimate): string {
  const baseline = estimate.baseline;
  const rows: string[][] = [
    ['Strategy', 'Monthly cost', 'Savings'],
    [`Baseline: all on ${baseline.source.model.displayName}`, formatUsd(baseline.monthlyCost), '-'],
    ...estimate.strategies.map((s) => [
      `${STRATEGY_LABELS[s.strategy]} alone`,
      formatUsd(s.monthlyCost),
      formatPercent(s.savingsPercent),
    ]),
    ['Optimized (all together)', formatUsd(estimate.optimized.monthlyCost), formatPercent(estimate.savingsPercent)],
    ['Saved per month', formatUsd(baseline.monthlyCost.minus(estimate.optimized.monthlyCost)), ''],
  ];
  const source = baseline.source.model.priceSource;
  const lines = [
    `Workload: ${estimate.name} (${formatCount(estimate.requestsPerMonth)} requests/month)`,
    `Prices: ${source.region}, as of ${source.asOf}, USD (${source.reference})`,
    '',
    renderTable(rows, [0, rows.length - 3]),
  ];
  if (estimate.warnings.length > 0) {
    lines.push('', ...estimate.warnings.map((warning) => `note: ${warning}`));
  }
  return `${lines.join('\n')}\n`;
}

function renderModels(table: PriceTable): string {
  const money = (value: number | undefined) => (value === undefined ? '-' : value.toString());
  const rows: string[][] = [
    ['Model id', 'Input', 'Output', 'Batch in/out', 'Cache read/write', 'Cross-region'],
    ...table.models.map((model) => {
      const { batch, promptCache } = model.prices;
      return [
        model.modelId,
        money(model.prices.inputPerMillionTokens),
        money(model.prices.outputPerMillionTokens),
        batch ? `${batch.inputPerMillionTokens}/${batch.outputPerMillionTokens}` : '-',
        promptCache
          ? `${promptCache.readPerMillionTokens}/${money(promptCache.writePerMillionTokens ?? model.prices.inputPerMillionTokens)}`
          : '-',
        model.crossRegionProfiles.map((profile) => profile.geography).join(' ') || '-',
      ];
    }),
  ];
  const source = BUILT_IN_PRICE_SOURCE;
  return `USD per 1M tokens, ${source.region}, as of ${source.asOf} (${source.reference})\n\n${renderTable(rows, [0])}\n`;
}

function readJsonFile(path: string, kind: 'workload' | 'metrics'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new UsageError(`cannot read ${kind} file '${path}': ${reason}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${kind} file '${path}' is not valid JSON: ${(error as Error).message}`);
  }
}

function estimate(args: readonly string[], json: boolean, out: Output): void {
  if (args.length !== 1) {
    throw new UsageError(`estimate takes exactly one workload file, got ${args.length}`, true);
  }
  let result: WorkloadEstimate;
  try {
    result = compareStrategies(parseWorkload(readJsonFile(args[0], 'workload')));
  } catch (error) {
    // WorkloadError and the pricing engine's RangeErrors describe bad input.
    if (error instanceof RangeError) {
      throw new UsageError(`invalid workload '${args[0]}': ${error.message}`);
    }
    throw error;
  }
  out.write(json ? `${JSON.stringify(estimateToJson(result), null, 2)}\n` : renderEstimate(result));
}

function report(args: readonly string[], fromFile: string | undefined, json: boolean, out: Output): void {
  if (args.length > 0) {
    throw new UsageError(`report takes no arguments besides --from-file <metrics.json>, got '${args[0]}'`, true);
  }
  if (fromFile === undefined) {
    throw new UsageError('report needs --from-file <metrics.json>', true);
  }
  let text: string;
  try {
    const metrics = parseMetricsExport(readJsonFile(fromFile, 'metrics'));
    const result = buildCostReport(metrics.current, metrics.previous, { start: metrics.start, end: metrics.end });
    text = json ? `${JSON.stringify(result, null, 2)}\n` : renderReport(result);
  } catch (error) {
    // MetricsExportError and the report engine's RangeErrors describe bad input.
    if (error instanceof RangeError) {
      throw new UsageError(`invalid metrics file '${fromFile}': ${error.message}`);
    }
    throw error;
  }
  out.write(text);
}

/** Takes `--from-file <path>` or `--from-file=<path>` out of the arguments. */
function extractFromFile(argv: readonly string[]): { rest: string[]; fromFile?: string } {
  const rest: string[] = [];
  let fromFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg !== '--from-file' && !arg.startsWith('--from-file=')) {
      rest.push(arg);
      continue;
    }
    if (fromFile !== undefined) {
      throw new UsageError('--from-file given twice', true);
    }
    const value = arg === '--from-file' ? argv[++i] : arg.slice('--from-file='.length);
    if (value === undefined || value === '' || value.startsWith('-')) {
      throw new UsageError('--from-file needs a file name', true);
    }
    fromFile = value;
  }
  return { rest, fromFile };
}

/** Runs the CLI and returns its exit status. */
export function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): number {
  try {
    const help = argv.includes('--help') || argv.includes('-h');
    if (help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    const { rest: args, fromFile } = extractFromFile(argv);
    const json = args.includes('--json');
    const unknownFlag = args.find((arg) => arg.startsWith('-') && !['--json', '--help', '-h'].includes(arg));
    const [command, ...rest] = args.filter((arg) => !arg.startsWith('-'));
    if (unknownFlag !== undefined) {
      throw new UsageError(`unknown option '${unknownFlag}'; options: --json, --from-file, --help`, true);
    }
    if (fromFile !== undefined && command !== 'report') {
      throw new UsageError('--from-file applies to the report command only', true);
    }
    switch (command) {
      case 'estimate':
        estimate(rest, json, out);
        return 0;
      case 'report':
        report(rest, fromFile, json, out);
        return 0;
      case 'models':
        out.write(
          json
            ? `${JSON.stringify(PriceTable.DEFAULT.models.map((m) => ({ modelId: m.modelId, displayName: m.displayName, prices: m.prices, crossRegion: m.crossRegionProfiles })), null, 2)}\n`
            : renderModels(PriceTable.DEFAULT),
        );
        return 0;
      case undefined:
        throw new UsageError('missing command: estimate, report or models', true);
      default:
        throw new UsageError(`unknown command '${command}': estimate, report or models`, true);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`bedrock-cost: ${error.message}\n${error.showUsage ? `${USAGE}\n` : ''}`);
      return 2;
    }
    err.write(`bedrock-cost: internal error: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
