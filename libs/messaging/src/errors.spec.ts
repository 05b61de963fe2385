import { describe, expect, it } from 'vitest';
import { translateClientError, translateProduceError } from './client/translate-error';
import {
  AuthorizationError,
  BatchRecordError,
  ConnectionError,
  DecodeError,
  describeError,
  isProgrammerError,
  isRetriable,
  MessagingError,
  NonRetriableError,
  ProduceError,
  RetriableError,
} from './errors';

describe('typed errors', () => {
  it('carry a name, a retriable flag and the Kafka coordinates', () => {
    const error = new DecodeError('not Avro', { topic: 't', partition: 2, offset: '41' });
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error).toBeInstanceOf(MessagingError);
    expect(error.name).toBe('DecodeError');
    expect(error.retriable).toBe(false);
    expect({ topic: error.topic, partition: error.partition, offset: error.offset }).toEqual({
      topic: 't',
      partition: 2,
      offset: '41',
    });
  });

  it.each([
    [new RetriableError('db down'), true],
    [new ConnectionError('refused'), true],
    [new NonRetriableError('bad'), false],
    [new DecodeError('bad bytes'), false],
    [new AuthorizationError('denied'), false],
    [new ProduceError('x', { topic: 't', retriable: true }), true],
  ])('%s is retriable: %s', (error, expected) => {
    expect(error.retriable).toBe(expected);
    expect(isRetriable(error)).toBe(expected);
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new RetriableError('publish failed', { cause }).cause).toBe(cause);
  });

  it('names the record a batch handler failed on', () => {
    const error = new BatchRecordError(
      { topic: 't', partition: 0, offset: '7' },
      new TypeError('x is undefined'),
    );
    expect(error.message).toBe('Batch handler failed on t[0]@7: TypeError: x is undefined');
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe('isRetriable', () => {
  it('retries only what declares itself retriable', () => {
    expect(isRetriable(Object.assign(new Error('flaky'), { retriable: true }))).toBe(true);
    expect(isRetriable({ retriable: true })).toBe(true);
    expect(isRetriable(new Error('unknown'))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });

  it('never retries programmer errors, even when they claim to be retriable', () => {
    for (const error of [
      new TypeError('t'),
      new RangeError('r'),
      new ReferenceError('x'),
      new SyntaxError('s'),
    ]) {
      expect(isProgrammerError(error)).toBe(true);
      expect(isRetriable(Object.assign(error, { retriable: true }))).toBe(false);
    }
    expect(isProgrammerError(new Error('plain'))).toBe(false);
  });

  it('describes anything thrown', () => {
    expect(describeError(new RangeError('too big'))).toBe('RangeError: too big');
    expect(describeError(42)).toBe('non-error thrown: 42');
  });
});

describe('translating client errors', () => {
  const clientError = (name: string, props: Record<string, unknown> = {}): Error =>
    Object.assign(new Error(`${name} happened`), { name, ...props });

  it('maps connection failures, also inside "retries exceeded"', () => {
    const root = clientError('KafkaJSConnectionError', { retriable: true });
    const wrapped = clientError('KafkaJSNumberOfRetriesExceeded', { retriable: false, cause: root });
    const translated = translateClientError(wrapped, 'Could not connect');
    expect(translated).toBeInstanceOf(ConnectionError);
    expect(translated.retriable).toBe(true);
    expect(translated.message).toContain('KafkaJSConnectionError happened');
    expect(translated.cause).toBe(wrapped);
  });

  it('maps authentication and ACL refusals', () => {
    expect(translateClientError(clientError('KafkaJSSASLAuthenticationError'), 'x')).toBeInstanceOf(
      AuthorizationError,
    );
    expect(
      translateClientError(clientError('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }), 'x'),
    ).toBeInstanceOf(AuthorizationError);
  });

  it('keeps the client verdict on a failed publish', () => {
    const retriable = translateProduceError(
      clientError('KafkaJSProtocolError', { type: 'NOT_LEADER_FOR_PARTITION', retriable: true }),
      'smis.t',
    );
    expect(retriable).toBeInstanceOf(ProduceError);
    expect(retriable.retriable).toBe(true);
    expect(retriable.topic).toBe('smis.t');
    const fatal = translateProduceError(
      clientError('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE', retriable: false }),
      'smis.t',
    );
    expect(fatal.retriable).toBe(false);
  });

  it('passes our own errors through', () => {
    const ours = new DecodeError('x');
    expect(translateClientError(ours, 'y')).toBe(ours);
  });
});
