import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { bridgeClientLogs } from './client/log-bridge';
import { redact, type LogFields, type MessagingLogger } from './logger';

function capture(): {
  logger: MessagingLogger;
  lines: Array<{ level: string; message: string; fields?: LogFields }>;
} {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void =>
      void lines.push({ level, message, fields });
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
}

const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}): LogEntry => ({
  namespace: 'Connection',
  level,
  label: 'x',
  log: { timestamp: '2025-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
});

describe('redact', () => {
  it('hides secret-looking fields at any depth', () => {
    expect(
      redact({
        broker: 'kafka:9093',
        sasl: { mechanism: 'scram-sha-512', password: 'p' },
        nested: { deeper: { password: 'p', token: 't', ok: 1 } },
        value: Buffer.from('content'),
        error: new TypeError('boom'),
      }),
    ).toEqual({
      broker: 'kafka:9093',
      sasl: '[redacted]',
      nested: { deeper: { password: '[redacted]', token: '[redacted]', ok: 1 } },
      value: '[7 bytes]',
      error: 'TypeError: boom',
    });
  });
});

describe('client log bridge', () => {
  it('routes client entries to our logger by level, without secrets', () => {
    const { logger, lines } = capture();
    const log = bridgeClientLogs(logger)(logLevel.WARN);
    log(entry(logLevel.ERROR, 'Connection error', { broker: 'b:9092', sasl: { password: 'hunter2' } }));
    log(entry(logLevel.INFO, 'Starting'));
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'Connection error',
        fields: { component: 'kafkajs.Connection', broker: 'b:9092', sasl: '[redacted]' },
      },
      { level: 'info', message: 'Starting', fields: { component: 'kafkajs.Connection' } },
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('writes warnings we decided about at debug', () => {
    const { logger, lines } = capture();
    bridgeClientLogs(logger)(logLevel.WARN)(
      entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'),
    );
    expect(lines.map((l) => l.level)).toEqual(['debug']);
  });
});
