export interface WaitForOptions {
  /** Give up after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  /** How often to re-check the condition (default 25 ms). */
  intervalMs?: number;
  /** Names the awaited event in the timeout error. */
  description?: string;
}

export class WaitForTimeoutError extends Error {
  override readonly name = 'WaitForTimeoutError';
}

/**
 * Waits until `check` returns a value other than `undefined`/`false` and returns it.
 * Tests wait on the observable effect of an event (a record consumed, a row written),
 * never on a fixed delay.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const what = options.description ?? 'condition';
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitForTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves on the first emission of `event`, with a timeout that names it. */
export function waitForEvent<T = unknown>(
  emitter: {
    once(event: string, listener: (value: T) => void): unknown;
    off?(event: string, listener: (value: T) => void): unknown;
  },
  event: string,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off?.(event, onEvent);
      reject(new WaitForTimeoutError(`Timed out after ${timeoutMs} ms waiting for event '${event}'`));
    }, timeoutMs);
    const onEvent = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    emitter.once(event, onEvent);
  });
}
