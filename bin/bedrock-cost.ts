/**
 * bedrock-cost: estimate what a Bedrock workload costs per month, and what each cost-saving
 * strategy saves; digest a week of exported Bedrock metrics; list and refresh the price catalog.
 * `bin/bedrock-cost.js` is the executable; this module holds the logic. A command is an entry of
 * `COMMANDS` (one or two words, e.g. 'prices refresh') with the options it takes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  BUILT_IN_CATALOG,
  compareStrategies,
  CostStrategy,
  estimateToJson,
  formatUsd,
  ModelLifecycleStatus,
  modelsDocument,
  parseCatalog,
  parseWorkload,
  PriceTable,
  readPriceListOffer,
  refreshCatalog,
  type WorkloadEstimate,
} from '../lib/pricing';
import { buildCostReport, parseMetricsExport, renderReport } from '../lib/reporting/report-engine';
import { ATTRIBUTION_USAGE, runAttribution } from './attribution-command';
import { classifierCommand } from './classifier-command';

const USAGE = `Usage:
  bedrock-cost estimate <workload.json> [--json] [--prices <catalog.json>]
                                                   monthly cost and savings per strategy
  bedrock-cost report --from-file <metrics.json> [--json] [--prices <catalog.json>]
                                                   cost digest of exported Bedrock metrics,
                                                   with recommendations
  bedrock-cost models [--json] [--prices <catalog.json>]
                                                   the price catalog: lifecycle, tiers, profiles
  bedrock-cost prices refresh --offer-file <index.json> [--offer-file ...] [--region <region>]
                              [--base <catalog.json>] [--out <catalog.json>]
                                                   a catalog with the prices of AWS's Price List
                                                   offer files (AmazonBedrock, and
                                                   AmazonBedrockFoundationModels for Claude);
                                                   the catalog goes to --out or stdout, the
                                                   summary to stderr
${ATTRIBUTION_USAGE}
  bedrock-cost classifier train|eval ...           learn a router classifier from labelled
                                                   examples, or judge one (classifier --help)
  bedrock-cost --help

--prices uses a catalog file (one 'prices refresh' wrote, or your own negotiated prices)
instead of the built-in catalog. Offer files: https://pricing.us-east-1.amazonaws.com/offers/
v1.0/aws/AmazonBedrock/current/<region>/index.json (public, no credentials).

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

/** Left-aligns the text columns (the first by default) and right-aligns the others. */
function renderTable(rows: readonly (readonly string[])[], separatorAfter: readonly number[], textColumns: readonly number[] = [0]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const render = (row: readonly string[]) =>
    row.map((cell, column) => (textColumns.includes(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
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

export function renderEstimate(estimate: WorkloadEstimate, catalog = { asOf: PriceTable.DEFAULT.asOf, label: 'built-in catalog' }): string {
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
  const lines = [
    `Workload: ${estimate.name} (${formatCount(estimate.requestsPerMonth)} requests/month)`,
    `Prices: ${baseline.source.model.priceSource.region}, as of ${catalog.asOf}, USD (${catalog.label}; each model's sources: bedrock-cost models --json)`,
    '',
    renderTable(rows, [0, rows.length - 3]),
  ];
  if (estimate.warnings.length > 0) {
    lines.push('', ...estimate.warnings.map((warning) => `note: ${warning}`));
  }
  return `${lines.join('\n')}\n`;
}

/** A price per 1M tokens as the catalog writes it; `-` where there is none. */
function price(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

function pair(prices: { readonly input: number; readonly output: number } | undefined): string {
  return prices ? `${prices.input}/${prices.output}` : '-';
}

function renderModels(table: PriceTable, label: string): string {
  const document = modelsDocument(table);
  const rows: string[][] = [
    ['Model id', 'Status', 'Input', 'Output', 'Cache read/5m/1h', 'Batch in/out', 'Flex in/out', 'Priority in/out', 'Long context', 'Profiles'],
    ...document.models.map((model) => {
      const { standard, batch, flex, priority, longContext } = model.prices;
      const status = model.lifecycle.status === ModelLifecycleStatus.ACTIVE ? 'active' : `${model.lifecycle.status} ${model.lifecycle.endOfLife ?? ''}`.trim();
      const cache = standard.cacheRead === undefined ? '-' : [standard.cacheRead, standard.cacheWrite5m ?? standard.input, standard.cacheWrite1h].map(price).join('/');
      const profiles = model.geographies
        .map(({ geography, priceFactor, batch: profileBatch }) => `${geography}${priceFactor === 1 ? '' : ` x${priceFactor}`}${profileBatch === false ? ' (no batch)' : ''}`)
        .join(', ');
      return [
        model.modelId,
        status,
        price(standard.input),
        price(standard.output),
        cache,
        pair(batch),
        pair(flex),
        pair(priority),
        longContext ? `>${longContext.thresholdTokens / 1000}K ${pair(longContext)}` : '-',
        profiles || '-',
      ];
    }),
  ];
  const region = table.models[0]?.priceSource.region ?? 'unknown';
  return (
    `USD per 1M tokens, ${region}, as of ${document.asOf} (${label}). List prices; "x1.1" is a profile's price factor.\n` +
    `Each model's sources and dates: bedrock-cost models --json, or the catalog file.\n\n${renderTable(rows, [0], [0, 1, 9])}\n`
  );
}

function readJsonFile(path: string, kind: string): unknown {
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

/** Bad input found by the pricing code (a `RangeError`) becomes a usage error naming the file. */
function asUsageError<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(`invalid ${what}: ${error.message}`);
    }
    throw error;
  }
}

/** The price table of `--prices <catalog.json>`, or the built-in one. */
function priceTable(options: ParsedOptions): { table: PriceTable; label: string } {
  const file = options.value('--prices');
  if (file === undefined) {
    return { table: PriceTable.DEFAULT, label: 'built-in catalog' };
  }
  const document = readJsonFile(file, 'price catalog');
  return { table: asUsageError('price catalog', () => PriceTable.fromCatalog(document, file)), label: `catalog ${file}` };
}

/** The command line after the command words: flags by name, and the remaining arguments. */
class ParsedOptions {
  constructor(
    private readonly values: ReadonlyMap<string, readonly string[]>,
    public readonly flags: ReadonlySet<string>,
    public readonly args: readonly string[],
  ) {}

  public value(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  public all(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }
}

interface Command {
  /** The options it takes: names with a value end in `=`. */
  readonly options: readonly string[];
  run(options: ParsedOptions, out: Output, err: Output): void;
}

const COMMANDS: Record<string, Command> = {
  estimate: {
    options: ['--json', '--prices='],
    run(options, out) {
      if (options.args.length !== 1) {
        throw new UsageError(`estimate takes exactly one workload file, got ${options.args.length}`, true);
      }
      const file = options.args[0];
      const { table, label } = priceTable(options);
      const document = readJsonFile(file, 'workload');
      const result = asUsageError(`workload '${file}'`, () => compareStrategies(parseWorkload(document, table)));
      out.write(options.flags.has('--json') ? `${JSON.stringify(estimateToJson(result), null, 2)}\n` : renderEstimate(result, { asOf: table.asOf, label }));
    },
  },
  report: {
    options: ['--json', '--from-file=', '--prices='],
    run(options, out) {
      if (options.args.length > 0) {
        throw new UsageError(`report takes no arguments besides --from-file <metrics.json>, got '${options.args[0]}'`, true);
      }
      const fromFile = options.value('--from-file');
      if (fromFile === undefined) {
        throw new UsageError('report needs --from-file <metrics.json>', true);
      }
      const { table } = priceTable(options);
      const document = readJsonFile(fromFile, 'metrics');
      const text = asUsageError(`metrics file '${fromFile}'`, () => {
        const metrics = parseMetricsExport(document);
        const result = buildCostReport(metrics.current, metrics.previous, { start: metrics.start, end: metrics.end, priceTable: table });
        return options.flags.has('--json') ? `${JSON.stringify(result, null, 2)}\n` : renderReport(result);
      });
      out.write(text);
    },
  },
  models: {
    options: ['--json', '--prices='],
    run(options, out) {
      if (options.args.length > 0) {
        throw new UsageError(`models takes no arguments, got '${options.args[0]}'`, true);
      }
      const { table, label } = priceTable(options);
      out.write(options.flags.has('--json') ? `${JSON.stringify(modelsDocument(table), null, 2)}\n` : renderModels(table, label));
    },
  },
  'prices refresh': {
    options: ['--offer-file=', '--region=', '--base=', '--out='],
    run(options, out, err) {
      refreshPrices(options, out, err);
    },
  },
};

function refreshPrices(options: ParsedOptions, out: Output, err: Output): void {
  if (options.args.length > 0) {
    throw new UsageError(`prices refresh takes no arguments, got '${options.args[0]}'`, true);
  }
  const offerFiles = options.all('--offer-file');
  if (offerFiles.length === 0) {
    throw new UsageError('prices refresh needs --offer-file <AmazonBedrock offer index.json> (repeat it for more offers)', true);
  }
  const baseFile = options.value('--base');
  const base = baseFile === undefined ? BUILT_IN_CATALOG : asUsageError('price catalog', () => parseCatalog(readJsonFile(baseFile, 'price catalog'), baseFile));
  const region = options.value('--region') ?? base.region;
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    throw new UsageError(`--region must be an AWS Region code such as us-east-1, got '${region}'`);
  }
  const offers = offerFiles.map((file) => asUsageError('offer file', () => readPriceListOffer(readJsonFile(file, 'offer'), region, file)));
  if (offers.every((offer) => offer.rates.length === 0)) {
    throw new UsageError(`the offer files hold no per-token Bedrock prices for ${region}: check --region and that they are AmazonBedrock offers`);
  }
  const { catalog, report } = refreshCatalog(base, offers, { region });
  const outFile = options.value('--out');
  const json = `${JSON.stringify(catalog, null, 2)}\n`;
  const summary = outFile === undefined ? err : out;
  const lines = [
    `Refreshed ${report.updated.length} models from ${offers.length} offer file(s) for ${region} (catalog as of ${catalog.asOf}):`,
    ...report.updated.flatMap(({ modelId, changes }) => (changes.length === 0 ? [] : [`  ${modelId}: ${changes.join('; ')}`])),
    `  ${report.updated.filter(({ changes }) => changes.length === 0).length} of them unchanged`,
    `Not in the offers, kept as they were: ${report.notInOffer.length} models`,
    ...(report.unmatched.length === 0 ? [] : [`Offer models no catalog entry claims (add the name to a model's priceList.codes): ${report.unmatched.join(', ')}`]),
    `Rows skipped (not per-token inference prices): ${report.skippedRows}`,
    ...report.notes.map((note) => `note: ${note}`),
  ];
  if (outFile === undefined) {
    out.write(json);
  } else {
    try {
      writeFileSync(outFile, json);
    } catch (error) {
      throw new UsageError(`cannot write '${outFile}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    lines.push(`Wrote ${outFile}; pin it with PriceTable.fromFile('${outFile}') or --prices ${outFile}`);
  }
  summary.write(`${lines.join('\n')}\n`);
}

/** Commands that parse their own arguments (everything but their name) and report their own errors. */
const SELF_PARSING_COMMANDS: Readonly<Record<string, (args: readonly string[], out: Output, err: Output) => number>> = {
  attribution: runAttribution,
  classifier: classifierCommand,
};

const COMMAND_NAMES = [...Object.keys(COMMANDS), ...Object.keys(SELF_PARSING_COMMANDS)].join(', ');

/** Splits `argv` into the command (one or two words), its options and its arguments. */
function parseCommandLine(argv: readonly string[]): { name: string; command: Command; options: ParsedOptions } {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0]].find((candidate) => candidate !== undefined && COMMANDS[candidate] !== undefined);
  if (name === undefined) {
    throw new UsageError(words.length === 0 ? `missing command: ${COMMAND_NAMES}` : `unknown command '${words[0]}': ${COMMAND_NAMES}`, true);
  }
  const command = COMMANDS[name];
  const takesValue = new Set(command.options.filter((option) => option.endsWith('=')).map((option) => option.slice(0, -1)));
  const flags = new Set(command.options.filter((option) => !option.endsWith('=')));
  const values = new Map<string, string[]>();
  const seenFlags = new Set<string>();
  const args: string[] = [];
  let commandWords = name.split(' ').length;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      if (commandWords > 0) {
        commandWords--;
      } else {
        args.push(arg);
      }
      continue;
    }
    const [option, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flags.has(option) && inline === undefined) {
      seenFlags.add(option);
      continue;
    }
    if (!takesValue.has(option)) {
      const known = [...flags, ...takesValue, '--help'].join(', ');
      throw new UsageError(`unknown option '${option}' for ${name}; options: ${known}`, true);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) {
      throw new UsageError(`${option} needs a value`, true);
    }
    if (values.has(option) && option !== '--offer-file') {
      throw new UsageError(`${option} given twice`, true);
    }
    values.set(option, [...(values.get(option) ?? []), value]);
  }
  return { name, command, options: new ParsedOptions(values, seenFlags, args) };
}

/** Runs the CLI and returns its exit status. */
export function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): number {
  const commandIndex = argv.findIndex((arg) => !arg.startsWith('-'));
  const delegated = commandIndex === -1 ? undefined : SELF_PARSING_COMMANDS[argv[commandIndex]];
  if (delegated !== undefined) {
    return delegated([...argv.slice(0, commandIndex), ...argv.slice(commandIndex + 1)], out, err);
  }
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    const { command, options } = parseCommandLine(argv);
    command.run(options, out, err);
    return 0;
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
