/** The small logger the seam writes to; adapt pino or the NestJS logger to it. */
export interface MessagingLogger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export type LogFields = Record<string, unknown>;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export const silentLogger: MessagingLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** One JSON line per entry on stderr, from `level` up. The default when no logger is given. */
export function stderrLogger(level: LogLevel = 'warn'): MessagingLogger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write =
    (entryLevel: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (LOG_LEVELS.indexOf(entryLevel) > threshold) return;
      const line = JSON.stringify({
        time: new Date().toISOString(),
        level: entryLevel,
        message,
        ...redact(fields ?? {}),
      });
      process.stderr.write(`${line}\n`);
    };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

const SECRET_KEY = /pass(word)?|secret|token|credential|authorization|sasl|private.?key|^key$|^cert$/i;

/**
 * A copy of `fields` with secret-looking entries replaced, at any depth: logs are read by more
 * people than the credentials are meant for.
 */
export function redact(fields: LogFields, depth = 0): LogFields {
  const result: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key)) result[key] = '[redacted]';
    else if (value instanceof Error) result[key] = `${value.name}: ${value.message}`;
    else if (Buffer.isBuffer(value)) result[key] = `[${value.length} bytes]`;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      result[key] = depth >= 4 ? '[nested]' : redact(value as LogFields, depth + 1);
    else result[key] = value;
  }
  return result;
}
