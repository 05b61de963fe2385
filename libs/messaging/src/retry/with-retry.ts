import { describeError, isProgrammerError, isRetriable, RetriesExhaustedError } from '../errors';
import { backoffDelay, DEFAULT_BACKOFF, validateBackoff, type BackoffPolicy } from './backoff';

export interface RetryOptions extends Partial<BackoffPolicy> {
  /** Which failures are worth another attempt (default: `isRetriable`). Programmer errors never are. */
  isRetriable?: (error: unknown) => boolean;
  /** Called before each wait; for logs and metrics. */
  onRetry?: (event: { error: unknown; retry: number; delayMs: number }) => void;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wraps `operation` so transient failures are retried with backoff. A failure that is not
 * retriable is rethrown at once; when retries run out, a `RetriesExhaustedError` carries the
 * last failure as `cause`.
 */
export function withRetry<A extends unknown[], R>(
  operation: (...args: A) => Promise<R>,
  options: RetryOptions = {},
): (...args: A) => Promise<R> {
  const policy = validateBackoff({
    retries: options.retries ?? DEFAULT_BACKOFF.retries,
    initialDelayMs: options.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
    factor: options.factor ?? DEFAULT_BACKOFF.factor,
    jitter: options.jitter ?? DEFAULT_BACKOFF.jitter,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
  });
  const shouldRetry = options.isRetriable ?? isRetriable;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  return async (...args: A): Promise<R> => {
    for (let retry = 0; ; retry++) {
      try {
        return await operation(...args);
      } catch (error) {
        if (isProgrammerError(error) || !shouldRetry(error)) throw error;
        if (retry >= policy.retries) {
          throw new RetriesExhaustedError(`Gave up after ${retry + 1} attempts: ${describeError(error)}`, {
            attempts: retry + 1,
            cause: error,
          });
        }
        const delayMs = backoffDelay(retry, policy, random);
        options.onRetry?.({ error, retry: retry + 1, delayMs });
        await sleep(delayMs);
      }
    }
  };
}
