/** How a failing operation is retried: exponential backoff with jitter, capped. */
export interface BackoffPolicy {
  /** Retries after the first attempt (so at most `retries + 1` calls). */
  retries: number;
  /** Delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Each further retry waits `factor` times longer. */
  factor: number;
  /** Randomizes each delay by ±`jitter` (0.2 = ±20 %), so clients that failed together do not retry together. */
  jitter: number;
  /** No delay exceeds this, jitter included. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  retries: 5,
  initialDelayMs: 300,
  factor: 2,
  jitter: 0.2,
  maxDelayMs: 30_000,
});

/**
 * Delay before retry number `retry` (0 = the first retry).
 * `random` returns a number in [0, 1); inject a fixed one in tests.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 0)
    throw new RangeError(`retry must be a non-negative integer, got ${retry}`);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** retry);
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.round(Math.min(policy.maxDelayMs, Math.max(0, base * spread)));
}

/** Rejects policies that would retry forever, never wait, or wait a negative time. */
export function validateBackoff(policy: BackoffPolicy): BackoffPolicy {
  const problems: string[] = [];
  if (!Number.isInteger(policy.retries) || policy.retries < 0)
    problems.push(`retries must be an integer ≥ 0 (got ${policy.retries})`);
  if (!(policy.initialDelayMs >= 0))
    problems.push(`initialDelayMs must be ≥ 0 (got ${policy.initialDelayMs})`);
  if (!(policy.factor >= 1)) problems.push(`factor must be ≥ 1 (got ${policy.factor})`);
  if (!(policy.jitter >= 0 && policy.jitter <= 1))
    problems.push(`jitter must be within [0, 1] (got ${policy.jitter})`);
  if (!(policy.maxDelayMs >= policy.initialDelayMs))
    problems.push(`maxDelayMs must be ≥ initialDelayMs (got ${policy.maxDelayMs})`);
  if (problems.length > 0) throw new RangeError(`Invalid backoff policy: ${problems.join('; ')}`);
  return policy;
}
