import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields every log line written while handling one message carries. */
export interface LogContext {
  messageId?: string;
  traceId?: string;
  spanId?: string;
  [field: string]: string | undefined;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `fields` added to the current log context (nested calls add to the outer one). */
export function runWithLogContext<T>(fields: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, work);
}

/** The log context of the code running now (empty outside `runWithLogContext`). */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
