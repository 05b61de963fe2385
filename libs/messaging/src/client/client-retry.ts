import type { RetryOptions as ClientRetryOptions } from 'kafkajs';
import type { BackoffPolicy } from '../retry/backoff';

/** Our backoff policy in the client's terms (its `factor` is our jitter, its `multiplier` our factor). */
export function toClientRetry(policy: BackoffPolicy): ClientRetryOptions {
  return {
    retries: policy.retries,
    initialRetryTime: policy.initialDelayMs,
    multiplier: policy.factor,
    factor: policy.jitter,
    maxRetryTime: policy.maxDelayMs,
  };
}
