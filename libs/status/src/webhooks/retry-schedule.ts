import { backoffDelay } from '@smis/messaging';

/** How long and how often a webhook delivery is retried. */
export interface WebhookRetryPolicy {
  /** Retries stop this long after the event was queued (default 24 h); then the delivery is dead-lettered. */
  windowMs: number;
  /** Delay before the first retry (default 10 s). */
  initialDelayMs: number;
  /** Each further retry waits `factor` times longer (default 2). */
  factor: number;
  /** No delay exceeds this (default 1 h). */
  maxDelayMs: number;
  /** ±share of each delay drawn at random (default 0.2), so receivers that failed together are not retried together. */
  jitter: number;
}

export const DEFAULT_WEBHOOK_RETRY: Readonly<WebhookRetryPolicy> = Object.freeze({
  windowMs: 24 * 60 * 60 * 1000,
  initialDelayMs: 10_000,
  factor: 2,
  maxDelayMs: 60 * 60 * 1000,
  jitter: 0.2,
});

export type NextStep = { kind: 'retry'; at: Date } | { kind: 'give-up' };

/**
 * What follows a failed attempt: the next attempt (exponential backoff with jitter, never later
 * than the deadline, so the last retry happens at the end of the window) or giving up once the
 * window is over.
 */
export function afterFailedAttempt(
  failure: { attempts: number; deadlineAt: Date; now: Date },
  policy: WebhookRetryPolicy,
  random: () => number = Math.random,
): NextStep {
  if (failure.now.getTime() >= failure.deadlineAt.getTime()) return { kind: 'give-up' };
  const delay = backoffDelay(Math.max(0, failure.attempts - 1), { ...policy, retries: 0 }, random);
  return {
    kind: 'retry',
    at: new Date(Math.min(failure.now.getTime() + delay, failure.deadlineAt.getTime())),
  };
}
