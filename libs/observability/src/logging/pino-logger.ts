import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogFields, MessagingLogger } from '@smis/messaging';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { currentLogContext } from './log-context';
import { PERSONAL_DATA_KEYS, redactPersonalData, scrubText } from './redaction';

export interface StructuredLoggerOptions {
  /** Names the process in every line, e.g. `router` (field `service`). */
  service: string;
  /** Default `info`. */
  level?: pino.LevelWithSilent;
  /** Default stdout. */
  destination?: DestinationStream;
  /** Keys whose values are never logged (default `PERSONAL_DATA_KEYS`). */
  redactKeys?: readonly string[];
}

/**
 * A pino logger writing one JSON object per line: `time` (ISO 8601), `level` as a word, the
 * message in `msg`, the current log context (`messageId`, `traceId`, `spanId`), and fields with
 * personal data redacted.
 */
export function createStructuredLogger(options: StructuredLoggerOptions): Logger {
  const keys = options.redactKeys ?? PERSONAL_DATA_KEYS;
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactPersonalData(object, keys) as Record<string, unknown>,
    },
    hooks: {
      // Messages are free text: scrub them too.
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    mixin: () => ({ ...currentLogContext() }),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

const NEST_TO_PINO: Readonly<Record<NestLogLevel, pino.Level>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * NestJS's LoggerService over pino: `app.useLogger(new PinoLoggerService(logger))`, or pass it
 * to `NestFactory.create(..., { logger })`. The Nest context becomes the `context` field.
 */
export class PinoLoggerService implements LoggerService {
  private enabled?: ReadonlySet<NestLogLevel>;

  constructor(readonly logger: Logger) {}

  log(message: unknown, ...optional: unknown[]): void {
    this.write('log', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('verbose', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  setLogLevels(levels: NestLogLevel[]): void {
    this.enabled = new Set(levels);
  }

  private write(level: NestLogLevel, message: unknown, optional: unknown[]): void {
    if (this.enabled && !this.enabled.has(level)) return;
    // Nest passes the context last; for errors, a stack before it.
    const rest = [...optional];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack =
      level === 'error' && typeof rest[0] === 'string' && /\n\s+at /.test(rest[0])
        ? (rest.shift() as string)
        : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (rest.length > 0) fields.details = rest;
    const target = this.logger[NEST_TO_PINO[level]].bind(this.logger);
    if (message instanceof Error)
      target(
        { ...fields, err: { type: message.name, message: message.message, stack: message.stack } },
        message.message,
      );
    else if (typeof message === 'object' && message !== null)
      target({ ...fields, ...(message as Record<string, unknown>) });
    else target(fields, String(message));
  }
}

/** The @smis/messaging seam's logger over pino, so Kafka logs share the format and redaction. */
export function pinoMessagingLogger(logger: Logger, context = 'Messaging'): MessagingLogger {
  const child = logger.child({ context });
  const write = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, fields?: LogFields) =>
    child[level](fields ?? {}, message);
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}
