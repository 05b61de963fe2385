import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runWithLogContext } from './log-context';
import { createStructuredLogger, PinoLoggerService, pinoMessagingLogger } from './pino-logger';
import { isPersonalDataKey, REDACTED, redactPersonalData, scrubText } from './redaction';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('redaction', () => {
  it('matches personal-data keys in any spelling', () => {
    for (const key of [
      'niss',
      'NISS',
      'phoneNumber',
      'push_token',
      'emailAddress',
      'clientSecret',
      'password',
      'content',
      'plaintextBody',
    ]) {
      expect(isPersonalDataKey(key)).toBe(true);
    }
    for (const key of ['messageId', 'senderId', 'topic', 'channel', 'status'])
      expect(isPersonalDataKey(key)).toBe(false);
  });

  it('replaces values at any depth and scrubs free text', () => {
    const redacted = redactPersonalData({
      messageId: 'm-1',
      citizen: { niss: '93051822361', devices: [{ pushToken: 'abc', platform: 'android' }] },
      note: 'sent to jan@example.be and +32470123456 about 93.05.18-223.61',
      body: Buffer.from('ciphertext'),
    });
    expect(redacted).toEqual({
      messageId: 'm-1',
      citizen: { niss: REDACTED, devices: [{ pushToken: REDACTED, platform: 'android' }] },
      note: 'sent to [email] and [phone] about [niss]',
      body: '[10 bytes]',
    });
    expect(scrubText('NISS 93051822361 here')).toBe('NISS [niss] here');
  });
});

describe('structured logs', () => {
  it('writes JSON lines with the service, the log context and no personal data', () => {
    const { stream, lines } = capture();
    const logger = createStructuredLogger({ service: 'router', destination: stream });
    runWithLogContext({ messageId: 'm-42', traceId: 't-1' }, () =>
      logger.info(
        { senderId: 'tax-office', phone: '+32470123456', email: 'x@y.be' },
        'planned for +32470123456',
      ),
    );
    logger.info('outside any message');
    const [inside, outside] = lines();
    expect(inside).toMatchObject({
      level: 'info',
      service: 'router',
      messageId: 'm-42',
      traceId: 't-1',
      senderId: 'tax-office',
      phone: REDACTED,
      email: REDACTED,
      msg: 'planned for [phone]',
    });
    expect(JSON.stringify(inside)).not.toContain('32470123456');
    expect(typeof inside.time).toBe('string');
    expect(outside.messageId).toBeUndefined();
  });

  it('serves NestJS as a LoggerService, context and stack as fields', () => {
    const { stream, lines } = capture();
    const service = new PinoLoggerService(
      createStructuredLogger({ service: 'platform', destination: stream, level: 'debug' }),
    );
    service.log('listening', 'Bootstrap');
    service.error('failed', 'Error: boom\n    at somewhere (file.ts:1:1)', 'Router');
    service.setLogLevels(['error']);
    service.warn('not written', 'Router');
    const [log, error, ...rest] = lines();
    expect(log).toMatchObject({ level: 'info', msg: 'listening', context: 'Bootstrap' });
    expect(error).toMatchObject({ level: 'error', msg: 'failed', context: 'Router' });
    expect(String(error.stack)).toContain('at somewhere');
    expect(rest).toEqual([]);
  });

  it("takes the messaging seam's entries with the same redaction", () => {
    const { stream, lines } = capture();
    pinoMessagingLogger(createStructuredLogger({ service: 'router', destination: stream })).warn(
      'Publish failed',
      {
        topic: 'smis.events.v1',
        token: 'secret-token',
      },
    );
    expect(lines()[0]).toMatchObject({
      level: 'warn',
      context: 'Messaging',
      topic: 'smis.events.v1',
      token: REDACTED,
      msg: 'Publish failed',
    });
  });
});
