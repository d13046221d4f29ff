/**
 * Exact US-dollar amounts.
 *
 * Bedrock prices are fractions of a cent per token (Nova Micro input: $0.000000035), so
 * summing millions of calls in binary floating point drifts. `Usd` keeps amounts as an integer
 * count of 1e-18 dollars in a `bigint`: every published price per token is a whole number of
 * those units, so costs of single calls and their sums are exact.
 */
const SCALE_DIGITS = 18;
const UNITS_PER_DOLLAR = 10n ** BigInt(SCALE_DIGITS);

const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** A finite number written as `mantissa * 10^exponent`, exactly as JavaScript prints it. */
interface DecimalParts {
  readonly mantissa: bigint;
  readonly exponent: number;
}

function decimalParts(value: number | string): DecimalParts {
  const text = typeof value === 'number' ? numberToText(value) : value.trim();
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) {
    throw new RangeError(`not a decimal number: ${JSON.stringify(value)}`);
  }
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const mantissa = BigInt(`${sign}${whole}${fraction}`);
  return { mantissa, exponent: Number(exponent) - fraction.length };
}

function numberToText(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`not a finite number: ${value}`);
  }
  // The shortest round-trip representation: 0.1 stays "0.1", not its binary expansion.
  return String(value);
}

/** Divides and rounds half to even, so repeated rounding does not bias sums. */
function divideRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) {
    return quotient;
  }
  const twiceRemainder = 2n * (remainder < 0n ? -remainder : remainder);
  const awayFromZero = numerator < 0n ? quotient - 1n : quotient + 1n;
  if (twiceRemainder > denominator) {
    return awayFromZero;
  }
  if (twiceRemainder < denominator) {
    return quotient;
  }
  return quotient % 2n === 0n ? quotient : awayFromZero;
}

function scaleByDecimal(units: bigint, parts: DecimalParts): bigint {
  const product = units * parts.mantissa;
  if (parts.exponent >= 0) {
    return product * 10n ** BigInt(parts.exponent);
  }
  return divideRoundHalfEven(product, 10n ** BigInt(-parts.exponent));
}

/** Dollar figures in JSON documents are rounded to a millionth of a dollar. */
export const JSON_DECIMALS = 6;

export class Usd {
  public static readonly ZERO = new Usd(0n);

  /**
   * An amount in dollars. Numbers are read through their shortest decimal form (0.035 is
   * exactly 35 thousandths); digits beyond 1e-18 dollars are rounded half to even.
   */
  public static of(dollars: number | string): Usd {
    return new Usd(scaleByDecimal(UNITS_PER_DOLLAR, decimalParts(dollars)));
  }

  public static sum(amounts: Iterable<Usd>): Usd {
    let total = 0n;
    for (const amount of amounts) {
      total += amount.units;
    }
    return new Usd(total);
  }

  private constructor(private readonly units: bigint) {}

  public plus(other: Usd): Usd {
    return new Usd(this.units + other.units);
  }

  public minus(other: Usd): Usd {
    return new Usd(this.units - other.units);
  }

  /** Multiplies by a count or a fraction, read through its shortest decimal form. */
  public times(factor: number | bigint): Usd {
    if (typeof factor === 'bigint') {
      return new Usd(this.units * factor);
    }
    return new Usd(scaleByDecimal(this.units, decimalParts(factor)));
  }

  public isZero(): boolean {
    return this.units === 0n;
  }

  public isNegative(): boolean {
    return this.units < 0n;
  }

  public equals(other: Usd): boolean {
    return this.units === other.units;
  }

  /** Negative, zero or positive as this amount is less than, equal to or greater than `other`. */
  public compare(other: Usd): number {
    return this.units < other.units ? -1 : this.units > other.units ? 1 : 0;
  }

  /** `this / other` as a number (for percentages); 0 when `other` is zero. */
  public ratioTo(other: Usd): number {
    if (other.units === 0n) {
      return 0;
    }
    // Keep 15 significant digits of the quotient before leaving exact arithmetic.
    const precision = 10n ** 15n;
    return Number(divideRoundHalfEven(this.units * precision, other.units)) / Number(precision);
  }

  /** The amount rounded half away from zero to `decimals` places, e.g. "1040.00". */
  public toFixed(decimals: number): string {
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > SCALE_DIGITS) {
      throw new RangeError(`decimals must be an integer from 0 to ${SCALE_DIGITS}, got ${decimals}`);
    }
    const step = 10n ** BigInt(SCALE_DIGITS - decimals);
    const magnitude = this.units < 0n ? -this.units : this.units;
    const rounded = (magnitude + step / 2n) / step;
    const digits = rounded.toString().padStart(decimals + 1, '0');
    const whole = digits.slice(0, digits.length - decimals);
    const fraction = digits.slice(digits.length - decimals);
    const sign = this.units < 0n && rounded !== 0n ? '-' : '';
    return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`;
  }

  /**
   * The nearest double, in dollars, optionally rounded to `decimals` places first (as in
   * JSON documents: 6 places, a millionth of a dollar). For display and JSON, not for sums.
   */
  public toNumber(decimals?: number): number {
    return Number(decimals === undefined ? this.toString() : this.toFixed(decimals));
  }

  /** The exact amount in dollars, without trailing zeros: "0.0000455". */
  public toString(): string {
    const text = this.toFixed(SCALE_DIGITS);
    return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  }

  public toJSON(): string {
    return this.toString();
  }
}

/** "$1,234.56"; amounts under a cent keep six decimals ("$0.000042"). */
export function formatUsd(amount: number | Usd): string {
  const usd = typeof amount === 'number' ? Usd.of(amount) : amount;
  const cents = usd.toFixed(2);
  const text = (cents === '0.00' || cents === '-0.00') && !usd.isZero() ? usd.toFixed(6) : cents;
  const negative = text.startsWith('-');
  const [whole, fraction] = text.replace('-', '').split('.');
  return `${negative ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}
