import { describeError, errorMessage, errorName, isRetriable } from '../errors';
import type { HeaderValue } from '../producer/message-producer';
import type { Delivery } from './consumed-record';
import { DEAD_LETTER_HEADERS, RETRY_HEADERS, truncate } from './headers';
import { deadLetterTopicName, retryTopicName } from './topic-names';

export type FailureDecision = 'retry' | 'dead-letter';
export type FailureClassifier = (error: unknown) => FailureDecision;

/**
 * The default verdict, by exception class: only errors that declare themselves retriable
 * (`RetriableError`, `retriable: true`) are tried again; everything else, programmer errors and
 * decode errors included, is dead-lettered at once. Retrying an unknown error would only delay
 * the same failure by the sum of the retry delays.
 */
export const classifyFailure: FailureClassifier = (error) => (isRetriable(error) ? 'retry' : 'dead-letter');

/** Default delays before attempts 2, 3 and 4: one per retry topic. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([1_000, 10_000, 60_000]);

export type FailureRoute =
  | { kind: 'retry'; topic: string; nextAttempt: number; dueAt: number; headers: Record<string, HeaderValue> }
  | { kind: 'dead-letter'; topic: string; attempts: number; headers: Record<string, HeaderValue> };

export interface FailurePolicy {
  retryDelaysMs: readonly number[];
  classify: FailureClassifier;
}

/** Where a failed delivery goes next, with the headers it carries there. */
export function routeFailure(
  delivery: Delivery,
  error: unknown,
  policy: FailurePolicy,
  now: number,
): FailureRoute {
  const { record, original } = delivery;
  const retryLevel = record.attempt;
  if (retryLevel <= policy.retryDelaysMs.length && safeClassify(policy.classify, error) === 'retry') {
    const dueAt = now + (policy.retryDelaysMs[retryLevel - 1] ?? 0);
    return {
      kind: 'retry',
      topic: retryTopicName(record.topic, retryLevel),
      nextAttempt: record.attempt + 1,
      dueAt,
      headers: {
        ...original.headers,
        [RETRY_HEADERS.dueAt]: String(dueAt),
        [RETRY_HEADERS.attempt]: String(record.attempt + 1),
        [RETRY_HEADERS.sourceTopic]: record.topic,
        [RETRY_HEADERS.sourcePartition]: String(record.partition),
        [RETRY_HEADERS.sourceOffset]: record.offset,
        [RETRY_HEADERS.sourceTimestamp]: String(record.timestamp.getTime()),
        [RETRY_HEADERS.reason]: truncate(describeError(error)),
      },
    };
  }
  return {
    kind: 'dead-letter',
    topic: deadLetterTopicName(record.topic),
    attempts: record.attempt,
    headers: {
      ...original.headers,
      [DEAD_LETTER_HEADERS.reason]: truncate(errorMessage(error)),
      [DEAD_LETTER_HEADERS.error]: errorName(error),
      [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
      [DEAD_LETTER_HEADERS.failedAt]: new Date(now).toISOString(),
      [DEAD_LETTER_HEADERS.attempts]: String(record.attempt),
    },
  };
}

/** A classifier that throws is itself a bug: dead-letter rather than loop. */
function safeClassify(classify: FailureClassifier, error: unknown): FailureDecision {
  try {
    return classify(error);
  } catch {
    return 'dead-letter';
  }
}

export function validateRetryDelays(delays: readonly number[]): readonly number[] {
  if (!Array.isArray(delays) || delays.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(
      `retryDelaysMs must be non-negative integers (milliseconds), got ${JSON.stringify(delays)}`,
    );
  }
  return delays;
}
