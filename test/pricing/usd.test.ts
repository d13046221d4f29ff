import { formatUsd, Usd } from '../../lib/pricing';

describe('Usd', () => {
  test('reads decimals exactly, not through their binary expansion', () => {
    expect(Usd.of(0.1).plus(Usd.of(0.2)).toString()).toBe('0.3');
    expect(Usd.of('0.00875').toString()).toBe('0.00875');
    expect(Usd.of(1e-7).toString()).toBe('0.0000001');
    expect(Usd.of(1.5e21).toFixed(0)).toBe('1500000000000000000000');
  });

  test('multiplies by counts and fractions exactly', () => {
    expect(Usd.of(0.035).times(1 / 1_000_000).times(500).toString()).toBe('0.0000175');
    expect(Usd.of(1040).times(0.8).toString()).toBe('832');
    expect(Usd.of(3).times(10n ** 12n).toString()).toBe('3000000000000');
  });

  test('rounds below 1e-18 dollars half to even', () => {
    expect(Usd.of('0.0000000000000000005').toString()).toBe('0');
    expect(Usd.of('0.0000000000000000015').toString()).toBe('0.000000000000000002');
    expect(Usd.of('0.0000000000000000025').toString()).toBe('0.000000000000000002');
    expect(Usd.of('-0.0000000000000000015').toString()).toBe('-0.000000000000000002');
  });

  test('formats with fixed decimals, rounding half away from zero', () => {
    expect(Usd.of(485.625).toFixed(2)).toBe('485.63');
    expect(Usd.of(-485.625).toFixed(2)).toBe('-485.63');
    expect(Usd.of(0.004).toFixed(2)).toBe('0.00');
    expect(Usd.of(-0.004).toFixed(2)).toBe('0.00');
    expect(Usd.of(7).toFixed(0)).toBe('7');
    expect(() => Usd.of(1).toFixed(19)).toThrow(/decimals must be an integer from 0 to 18/);
  });

  test('compares and divides', () => {
    expect(Usd.of(1).compare(Usd.of(2))).toBe(-1);
    expect(Usd.of(2).compare(Usd.of(2))).toBe(0);
    expect(Usd.of(982.05).ratioTo(Usd.of(1040))).toBeCloseTo(0.944279, 6);
    expect(Usd.of(5).ratioTo(Usd.ZERO)).toBe(0);
    expect(Usd.sum([Usd.of(1), Usd.of(2.5)]).equals(Usd.of(3.5))).toBe(true);
  });

  test('rejects what is not a finite decimal', () => {
    expect(() => Usd.of(Number.NaN)).toThrow(RangeError);
    expect(() => Usd.of(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
    expect(() => Usd.of('12,50')).toThrow(/not a decimal number/);
  });
});

describe('formatUsd', () => {
  test('shows dollars and cents with thousands separators, and tiny amounts with six decimals', () => {
    expect(formatUsd(Usd.of(1040))).toBe('$1,040.00');
    expect(formatUsd(1234567.891)).toBe('$1,234,567.89');
    expect(formatUsd(Usd.of('0.000042'))).toBe('$0.000042');
    expect(formatUsd(-5)).toBe('-$5.00');
    expect(formatUsd(0)).toBe('$0.00');
  });
});
