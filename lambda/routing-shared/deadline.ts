/**
 * Time budgets enforced with plain timers. `AbortSignal.timeout()` and `AbortSignal.any()` are
 * avoided on purpose: on Node 20 a composed timeout signal can be collected before it fires
 * (nodejs/node#57736), and an SDK call waiting out a retry backoff does not look at its signal
 * until the next attempt. A budget here is a `setTimeout` that aborts a controller and settles the
 * race at once, whatever the call does.
 */

/** A controller aborted by a plain timer after `ms`, and when `parent` (if any) aborts. */
export interface Budget {
  readonly signal: AbortSignal;
  /** Whether the timer (not the parent) ended the budget. */
  readonly expired: boolean;
  /** Settles with `promise`, or rejects with `onAbort()` as soon as the budget ends. */
  race<T>(promise: Promise<T>, onAbort: () => unknown): Promise<T>;
  /** Clears the timer and the parent listener; call it in `finally`. */
  dispose(): void;
}

export function budget(ms: number, parent?: AbortSignal): Budget {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(
    () => {
      expired = true;
      controller.abort();
    },
    Math.max(0, ms),
  );
  const followParent = () => controller.abort();
  if (parent?.aborted) {
    controller.abort();
  } else {
    parent?.addEventListener('abort', followParent, { once: true });
  }
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    race: (promise, onAbort) => raceAbort(promise, controller.signal, onAbort),
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', followParent);
    },
  };
}

/** `promise`, or a rejection with `onAbort()` the moment `signal` aborts (the promise is left to settle unobserved). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => unknown): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      promise.catch(() => undefined);
      reject(onAbort());
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
