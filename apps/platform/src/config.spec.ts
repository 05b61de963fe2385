import { describe, expect, it } from 'vitest';
import { ConfigError, loadPlatformConfig } from './config';

describe('loadPlatformConfig', () => {
  it('reads defaults', () => {
    const config = loadPlatformConfig({ KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9094'],
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => loadPlatformConfig({})).toThrow(/KAFKA_BROKERS is not set/);
    expect(() => loadPlatformConfig({ KAFKA_BROKERS: 'nohost' })).toThrow(/KAFKA_BROKERS has 'nohost'/);
    expect(() => loadPlatformConfig({ KAFKA_BROKERS: 'a:1', PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadPlatformConfig({ KAFKA_BROKERS: 'a:1', PORT: '70000' })).toThrow(
      /PORT must be an integer/,
    );
  });

  it('never echoes database credentials in its error', () => {
    expect(() =>
      loadPlatformConfig({ KAFKA_BROKERS: 'a:1', DATABASE_URL: 'mysql://user:secret@db/x' }),
    ).toThrow(/^(?!.*secret).*DATABASE_URL must be a postgres/);
  });
});
