/**
 * bedrock-cost: estimate what a Bedrock workload costs per month, and what each cost-saving
 * strategy saves. `bin/bedrock-cost.js` is the executable; this module holds the logic.
 */
import { readFileSync } from 'node:fs';
import {
  BUILT_IN_PRICE_SOURCE,
  compareStrategies,
  CostStrategy,
  estimateToJson,
  parseWorkload,
  PriceTable,
  type Usd,
  type WorkloadEstimate,
} from '../lib/pricing';

const USAGE = `Usage:
  bedrock-cost estimate <workload.json> [--json]   monthly cost and savings per strategy
  bedrock-cost models [--json]                     the built-in price table
  bedrock-cost --help

Exit status: 0 on success, 2 on bad input (the message names the field), 1 on an internal error.`;

const STRATEGY_LABELS: Record<CostStrategy, string> = {
  [CostStrategy.MODEL_ROUTING]: 'Model routing',
  [CostStrategy.PROMPT_CACHING]: 'Prompt caching',
  [CostStrategy.RESPONSE_CACHE]: 'Response cache',
  [CostStrategy.BATCH]: 'Batch inference',
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

function formatUsd(amount: Usd): string {
  const cents = amount.toFixed(2);
  // Tiny workloads would otherwise show as $0.00.
  const text = cents === '0.00' && !amount.isZero() ? amount.toFixed(6) : cents;
  const [whole, fraction] = text.split('.');
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
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

function readWorkloadFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new UsageError(`cannot read workload file '${path}': ${reason}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`workload file '${path}' is not valid JSON: ${(error as Error).message}`);
  }
}

function estimate(args: readonly string[], json: boolean, out: Output): void {
  if (args.length !== 1) {
    throw new UsageError(`estimate takes exactly one workload file, got ${args.length}`, true);
  }
  let result: WorkloadEstimate;
  try {
    result = compareStrategies(parseWorkload(readWorkloadFile(args[0])));
  } catch (error) {
    // WorkloadError and the pricing engine's RangeErrors describe bad input.
    if (error instanceof RangeError) {
      throw new UsageError(`invalid workload '${args[0]}': ${error.message}`);
    }
    throw error;
  }
  out.write(json ? `${JSON.stringify(estimateToJson(result), null, 2)}\n` : renderEstimate(result));
}

/** Runs the CLI and returns its exit status. */
export function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): number {
  const json = argv.includes('--json');
  const help = argv.includes('--help') || argv.includes('-h');
  const unknownFlag = argv.find((arg) => arg.startsWith('-') && !['--json', '--help', '-h'].includes(arg));
  const [command, ...rest] = argv.filter((arg) => !arg.startsWith('-'));
  try {
    if (help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    if (unknownFlag !== undefined) {
      throw new UsageError(`unknown option '${unknownFlag}'; options: --json, --help`, true);
    }
    switch (command) {
      case 'estimate':
        estimate(rest, json, out);
        return 0;
      case 'models':
        out.write(
          json
            ? `${JSON.stringify(PriceTable.DEFAULT.models.map((m) => ({ modelId: m.modelId, displayName: m.displayName, prices: m.prices, crossRegion: m.crossRegionProfiles })), null, 2)}\n`
            : renderModels(PriceTable.DEFAULT),
        );
        return 0;
      case undefined:
        throw new UsageError('missing command: estimate or models', true);
      default:
        throw new UsageError(`unknown command '${command}': estimate or models`, true);
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
