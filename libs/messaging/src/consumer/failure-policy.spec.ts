import { describe, expect, it } from 'vitest';
import { DecodeError, RetriableError } from '../errors';
import { toDelivery, type ClientMessage } from './consumed-record';
import { classifyFailure, routeFailure, validateRetryDelays, type FailurePolicy } from './failure-policy';
import { DEAD_LETTER_HEADERS, RETRY_HEADERS } from './headers';

const NOW = Date.parse('2025-03-01T10:00:00.000Z');
const policy: FailurePolicy = { retryDelaysMs: [1_000, 10_000, 60_000], classify: classifyFailure };

const message = (headers: ClientMessage['headers'] = {}): ClientMessage => ({
  key: Buffer.from('msg-1'),
  value: Buffer.from([1, 2, 3]),
  headers: { 'content-type': Buffer.from('avro/binary'), ...headers },
  offset: '41',
  timestamp: String(NOW - 5_000),
});
const fromSource = toDelivery(
  message(),
  { topic: 'smis.requests.v1', partition: 2 },
  { sourceTopic: 'smis.requests.v1', retryLevel: 0 },
  policy.retryDelaysMs,
);
const fromRetry = (level: number) =>
  toDelivery(
    message({
      [RETRY_HEADERS.sourceTopic]: 'smis.requests.v1',
      [RETRY_HEADERS.sourcePartition]: '2',
      [RETRY_HEADERS.sourceOffset]: '41',
      [RETRY_HEADERS.dueAt]: String(NOW),
    }),
    { topic: `smis.requests.v1.retry.${level}`, partition: 0 },
    { sourceTopic: 'smis.requests.v1', retryLevel: level },
    policy.retryDelaysMs,
  );

describe('classifyFailure', () => {
  it('decides by exception class', () => {
    expect(classifyFailure(new RetriableError('db down'))).toBe('retry');
    expect(classifyFailure(Object.assign(new Error('timeout'), { retriable: true }))).toBe('retry');
    expect(classifyFailure(new DecodeError('not Avro'))).toBe('dead-letter');
    expect(classifyFailure(new TypeError('undefined is not a function'))).toBe('dead-letter');
    expect(classifyFailure(new Error('unknown'))).toBe('dead-letter');
  });
});

describe('routeFailure', () => {
  it('sends a retriable failure of a first delivery to retry topic 1, due after the first delay', () => {
    const route = routeFailure(fromSource, new RetriableError('db down'), policy, NOW);
    expect(route).toMatchObject({
      kind: 'retry',
      topic: 'smis.requests.v1.retry.1',
      nextAttempt: 2,
      dueAt: NOW + 1_000,
    });
    expect(route.headers).toMatchObject({
      'content-type': Buffer.from('avro/binary'),
      [RETRY_HEADERS.dueAt]: String(NOW + 1_000),
      [RETRY_HEADERS.attempt]: '2',
      [RETRY_HEADERS.sourceTopic]: 'smis.requests.v1',
      [RETRY_HEADERS.sourcePartition]: '2',
      [RETRY_HEADERS.sourceOffset]: '41',
      [RETRY_HEADERS.sourceTimestamp]: String(NOW - 5_000),
    });
  });

  it('moves from retry topic n to n + 1 with that level’s delay', () => {
    const route = routeFailure(fromRetry(2), new RetriableError('still down'), policy, NOW);
    expect(route).toMatchObject({
      kind: 'retry',
      topic: 'smis.requests.v1.retry.3',
      nextAttempt: 4,
      dueAt: NOW + 60_000,
    });
  });

  it('dead-letters after the last retry, counting every attempt', () => {
    const route = routeFailure(fromRetry(3), new RetriableError('still down'), policy, NOW);
    expect(route).toMatchObject({ kind: 'dead-letter', topic: 'smis.requests.v1.dlq', attempts: 4 });
    expect(route.headers[DEAD_LETTER_HEADERS.attempts]).toBe('4');
    expect(route.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe('smis.requests.v1');
    expect(Object.keys(route.headers).filter((name) => name.startsWith('smis-retry-'))).toEqual([]);
  });

  it('dead-letters a non-retriable failure at once, with the reason in headers', () => {
    const route = routeFailure(fromSource, new DecodeError('unknown schema fingerprint'), policy, NOW);
    expect(route.kind).toBe('dead-letter');
    expect(route.headers).toEqual({
      'content-type': Buffer.from('avro/binary'),
      [DEAD_LETTER_HEADERS.reason]: 'unknown schema fingerprint',
      [DEAD_LETTER_HEADERS.error]: 'DecodeError',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'smis.requests.v1',
      [DEAD_LETTER_HEADERS.sourcePartition]: '2',
      [DEAD_LETTER_HEADERS.sourceOffset]: '41',
      [DEAD_LETTER_HEADERS.failedAt]: '2025-03-01T10:00:00.000Z',
      [DEAD_LETTER_HEADERS.attempts]: '1',
    });
  });

  it('dead-letters retriable failures when no retries are configured', () => {
    expect(
      routeFailure(fromSource, new RetriableError('x'), { ...policy, retryDelaysMs: [] }, NOW).kind,
    ).toBe('dead-letter');
  });

  it('dead-letters when the classifier itself throws', () => {
    const broken: FailurePolicy = {
      ...policy,
      classify: () => {
        throw new Error('bug');
      },
    };
    expect(routeFailure(fromSource, new RetriableError('x'), broken, NOW).kind).toBe('dead-letter');
  });

  it('bounds the reason', () => {
    const route = routeFailure(fromSource, new DecodeError('x'.repeat(5_000)), policy, NOW);
    expect((route.headers[DEAD_LETTER_HEADERS.reason] as string).length).toBe(1_000);
  });

  it('validates the delays', () => {
    expect(() => validateRetryDelays([1_000, -1])).toThrow(RangeError);
    expect(() => validateRetryDelays([0.5])).toThrow(RangeError);
    expect(validateRetryDelays([])).toEqual([]);
  });
});

describe('toDelivery', () => {
  it('shows a first delivery as published, with text key and headers', () => {
    expect(fromSource.record).toEqual({
      topic: 'smis.requests.v1',
      partition: 2,
      offset: '41',
      key: 'msg-1',
      value: Buffer.from([1, 2, 3]),
      headers: { 'content-type': 'avro/binary' },
      timestamp: new Date(NOW - 5_000),
      attempt: 1,
    });
    expect(fromSource.dueAt).toBeUndefined();
  });

  it('shows a retry delivery under its source coordinates, without the bookkeeping headers', () => {
    const delivery = fromRetry(1);
    expect(delivery.record).toMatchObject({
      topic: 'smis.requests.v1',
      partition: 2,
      offset: '41',
      attempt: 2,
      headers: { 'content-type': 'avro/binary' },
    });
    expect(delivery.deliveredFrom).toEqual({ topic: 'smis.requests.v1.retry.1', partition: 0, offset: '41' });
    expect(delivery.dueAt).toBe(NOW);
    expect(Object.keys(delivery.original.headers)).toEqual(['content-type']);
  });

  it('falls back to publish time + delay when the due header is missing', () => {
    const delivery = toDelivery(
      message(),
      { topic: 't.retry.2', partition: 0 },
      { sourceTopic: 't', retryLevel: 2 },
      policy.retryDelaysMs,
    );
    expect(delivery.dueAt).toBe(NOW - 5_000 + 10_000);
  });

  it('takes the last value of a repeated header', () => {
    const delivery = toDelivery(
      { ...message(), headers: { trace: [Buffer.from('a'), Buffer.from('b')] } },
      { topic: 't', partition: 0 },
      { sourceTopic: 't', retryLevel: 0 },
      [],
    );
    expect(delivery.record.headers).toEqual({ trace: 'b' });
  });
});
