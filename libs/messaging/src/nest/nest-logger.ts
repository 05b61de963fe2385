import { Logger } from '@nestjs/common';
import { redact, type LogFields, type MessagingLogger } from '../logger';

/** Writes the seam's log entries through the NestJS logger, fields as JSON after the message. */
export function nestMessagingLogger(context = 'Messaging'): MessagingLogger {
  const logger = new Logger(context);
  const line = (message: string, fields?: LogFields): string =>
    fields && Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(redact(fields))}` : message;
  return {
    error: (message, fields) => logger.error(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    info: (message, fields) => logger.log(line(message, fields)),
    debug: (message, fields) => logger.debug(line(message, fields)),
  };
}
