import { logLevel as ClientLogLevel, type logCreator } from 'kafkajs';
import { redact, type LogLevel, type MessagingLogger } from '../logger';

const TO_CLIENT_LEVEL: Record<LogLevel, ClientLogLevel> = {
  error: ClientLogLevel.ERROR,
  warn: ClientLogLevel.WARN,
  info: ClientLogLevel.INFO,
  debug: ClientLogLevel.DEBUG,
};

export function toClientLogLevel(level: LogLevel): ClientLogLevel {
  return TO_CLIENT_LEVEL[level];
}

/**
 * Client warnings we have decided about, written at debug instead:
 * - the producer retries a bounded number of times on purpose (see producer/create-producer.ts).
 */
const DECIDED_WARNINGS: readonly RegExp[] = [/^Limiting retries for the idempotent producer/];

/** Routes the Kafka client's log entries to our logger, with secrets redacted. */
export function bridgeClientLogs(logger: MessagingLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _origin, ...extra } = log;
      const fields = { component: `kafkajs${namespace ? `.${namespace}` : ''}`, ...redact(extra) };
      const text = String(message);
      switch (level) {
        case ClientLogLevel.ERROR:
          return logger.error(text, fields);
        case ClientLogLevel.WARN:
          return DECIDED_WARNINGS.some((pattern) => pattern.test(text))
            ? logger.debug(text, fields)
            : logger.warn(text, fields);
        case ClientLogLevel.INFO:
          return logger.info(text, fields);
        default:
          return logger.debug(text, fields);
      }
    };
}
