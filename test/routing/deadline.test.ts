import { budget, raceAbort, sleep } from '../../lambda/routing-shared/deadline';
import { backoffMs, withRetries } from '../../lambda/routing-shared/retry';

describe('time budgets (plain timers)', () => {
  test('a budget aborts its signal and settles the race when the timer fires, whatever the call does', async () => {
    const time = budget(50);
    const started = performance.now();
    await expect(time.race(new Promise(() => undefined), () => new Error('out of time'))).rejects.toThrow('out of time');
    expect(performance.now() - started).toBeLessThan(200);
    expect(time.signal.aborted).toBe(true);
    expect(time.expired).toBe(true);
    time.dispose();
  });

  test("a budget ends with its parent's signal, without counting as expired", async () => {
    const parent = new AbortController();
    const time = budget(10_000, parent.signal);
    parent.abort();
    expect(time.signal.aborted).toBe(true);
    expect(time.expired).toBe(false);
    time.dispose();
  });

  test('a call that settles first wins the race, and dispose clears the timer', async () => {
    const time = budget(10_000);
    await expect(time.race(Promise.resolve('answer'), () => new Error('never'))).resolves.toBe('answer');
    time.dispose();
    expect(time.signal.aborted).toBe(false);
  });

  test('raceAbort on an aborted signal rejects at once; sleep ends early on abort', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(raceAbort(new Promise(() => undefined), controller.signal, () => new Error('aborted'))).rejects.toThrow('aborted');
    const started = performance.now();
    await sleep(10_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('withRetries', () => {
  const never = new AbortController().signal;
  const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });

  test('uses the SDK standard backoff: full jitter, 500 ms base when throttled, 100 ms otherwise, at most 20 s', () => {
    expect(backoffMs('throttled', 1, () => 0.999)).toBe(499);
    expect(backoffMs('throttled', 2, () => 0.5)).toBe(500);
    expect(backoffMs('unavailable', 1, () => 0.999)).toBe(99);
    expect(backoffMs('unavailable', 20, () => 0.999)).toBe(19_980);
  });

  test('retries transient faults up to maxAttempts, reporting each', async () => {
    const faults: string[] = [];
    let attempts = 0;
    const call = () => (++attempts < 3 ? Promise.reject(throttled) : Promise.resolve('ok'));
    const options = { maxAttempts: 3, deadline: performance.now() + 10_000, signal: never, faultOf: () => 'throttled' as const, random: () => 0 };
    await expect(withRetries(call, { ...options, onFault: (fault) => faults.push(fault) })).resolves.toBe('ok');
    expect(faults).toEqual(['throttled', 'throttled']);
  });

  test('does not retry what is not transient', async () => {
    let attempts = 0;
    const call = () => {
      attempts++;
      return Promise.reject(new Error('ValidationException'));
    };
    await expect(withRetries(call, { maxAttempts: 5, deadline: performance.now() + 10_000, signal: never, faultOf: () => undefined })).rejects.toThrow(
      'ValidationException',
    );
    expect(attempts).toBe(1);
  });

  test('never sleeps past the deadline: the last error comes back at once', async () => {
    let attempts = 0;
    const call = () => {
      attempts++;
      return Promise.reject(throttled);
    };
    const started = performance.now();
    // A 499 ms backoff does not fit in 300 ms.
    const options = { maxAttempts: 10, deadline: performance.now() + 300, signal: never, faultOf: () => 'throttled' as const, random: () => 0.999 };
    await expect(withRetries(call, options)).rejects.toBe(throttled);
    expect(attempts).toBe(1);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
