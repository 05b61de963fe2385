import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors';
import { silentLogger } from '../logger';
import { createKafka } from './kafka-client';
import { validateConnection, type KafkaConnection } from './kafka-connection';

const valid: KafkaConnection = {
  brokers: ['127.0.0.1:9092', 'kafka-0.kafka:9093', '[::1]:9094'],
  clientId: 'router',
};

describe('validateConnection', () => {
  it('accepts host:port brokers, IPv6 included', () => {
    expect(validateConnection(valid)).toBe(valid);
  });

  it('names every problem, pointing at the variable to fix', () => {
    const attempt = () =>
      validateConnection({
        brokers: [],
        clientId: ' ',
        sasl: { username: 'router', password: '' },
        requestTimeoutMs: 0,
      });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/KAFKA_BROKERS.*clientId.*sasl\.password is empty.*requestTimeoutMs/);
  });

  it('rejects brokers that are not host:port', () => {
    expect(() => validateConnection({ ...valid, brokers: ['kafka'] })).toThrow(/"kafka" is not host:port/);
    expect(() => validateConnection({ ...valid, brokers: ['kafka:99999'] })).toThrow(/not host:port/);
  });

  it('never puts the password in the error', () => {
    const attempt = () =>
      validateConnection({ ...valid, brokers: ['bad'], sasl: { username: 'u', password: 's3cret' } });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).not.toThrow(/s3cret/);
  });
});

describe('KafkaClient without a broker', () => {
  const unreachable = createKafka({
    brokers: ['127.0.0.1:1'],
    clientId: 'health-test',
    logger: silentLogger,
    connectionTimeoutMs: 500,
  });

  it('refuses a bad configuration at creation', () => {
    expect(() => createKafka({ brokers: ['nope'], clientId: 'x' })).toThrow(ConfigurationError);
  });

  it('refuses consumer options that cannot work, naming each problem', () => {
    const handler = async (): Promise<void> => undefined;
    expect(() =>
      unreachable.consumer({ groupId: '', topics: [], eachMessage: handler, eachBatch: handler } as never),
    ).toThrow(
      /groupId must be a non-empty string; topics must list at least one topic name; give exactly one of/,
    );
    expect(() =>
      unreachable.consumer({ groupId: 'g', topics: ['t'], retryDelaysMs: [-5], eachMessage: handler }),
    ).toThrow(RangeError);
  });

  it('reports the brokers down, without rejecting', async () => {
    const health = await unreachable.checkHealth({ timeoutMs: 2_000 });
    expect(health.status).toBe('down');
    expect(health.error).toMatch(/ECONNREFUSED|Connection|no answer/i);
  });

  it('rejects a value that is not bytes before touching the network', async () => {
    const producer = unreachable.producer();
    await expect(producer.send('t', [{ value: 'text' as unknown as Buffer }])).rejects.toThrow(
      /records\[0\]\.value must be a Buffer or null/,
    );
    await expect(producer.send('', [])).rejects.toBeInstanceOf(TypeError);
    await expect(producer.send('t', [])).resolves.toEqual([]);
  });
});
