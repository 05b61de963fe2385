import { RateLimitedError } from './errors';
import type { SendInput, SendResult } from './types';

export interface BulkProgress {
  readonly sent: number;
  readonly failed: number;
  /** Sends started and not finished. */
  readonly inFlight: number;
  /** When known: the input's `length`/`size`, or `options.total`. */
  readonly total?: number;
}

export type BulkItemResult =
  | { readonly index: number; readonly ok: true; readonly input: SendInput; readonly result: SendResult }
  | { readonly index: number; readonly ok: false; readonly input: SendInput; readonly error: unknown };

export interface BulkOptions {
  /** Sends in flight at most (default 8). */
  readonly concurrency?: number;
  /** Total number of inputs, for progress, when the input cannot tell. */
  readonly total?: number;
  /** After every finished item. */
  readonly onProgress?: (progress: BulkProgress) => void;
  /** Each item's outcome, in completion order; awaited, so a slow handler slows the sends. */
  readonly onResult?: (result: BulkItemResult) => void | Promise<void>;
  /** Times an item is tried when the gateway says "rate limited" (default 3); it waits Retry-After between. */
  readonly maxAttempts?: number;
  /** Stop starting new sends (those in flight finish). */
  readonly signal?: AbortSignal;
}

export interface BulkSummary {
  readonly sent: number;
  readonly failed: number;
  /** True when the signal stopped the run before the input was exhausted. */
  readonly aborted: boolean;
}

export type BulkInput = Iterable<SendInput> | AsyncIterable<SendInput>;

/**
 * Sends a stream of messages with at most `concurrency` in flight. Inputs are pulled one at a
 * time, only when a slot is free, so a generator over a million rows never materializes them;
 * results go to `onResult` and are not kept. One failed item does not stop the others.
 */
export async function sendBulk(
  inputs: BulkInput,
  send: (input: SendInput) => Promise<SendResult>,
  options: BulkOptions = {},
): Promise<BulkSummary> {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`sendBulk concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  const maxAttempts = options.maxAttempts ?? 3;
  const total = options.total ?? sizeOf(inputs);
  const iterator: Iterator<SendInput> | AsyncIterator<SendInput> =
    Symbol.asyncIterator in inputs
      ? inputs[Symbol.asyncIterator]()
      : (inputs as Iterable<SendInput>)[Symbol.iterator]();
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let index = 0;
  let exhausted = false;
  let pulling: Promise<unknown> = Promise.resolve();

  // Pulls are chained: an async iterator must not be asked for two items at once.
  const pull = (): Promise<{ input: SendInput; index: number } | undefined> => {
    const next = pulling.then(async () => {
      if (exhausted || options.signal?.aborted) return undefined;
      const item = await iterator.next();
      if (item.done) {
        exhausted = true;
        return undefined;
      }
      return { input: item.value, index: index++ };
    });
    pulling = next.catch(() => undefined);
    return next;
  };

  const attempt = async (input: SendInput): Promise<SendResult> => {
    for (let tries = 1; ; tries++) {
      try {
        return await send(input);
      } catch (error) {
        if (!(error instanceof RateLimitedError) || tries >= maxAttempts) throw error;
        await delay(error.retryAfterSeconds * 1000, options.signal);
      }
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const item = await pull();
      if (!item) return;
      inFlight++;
      let result: BulkItemResult;
      try {
        result = { index: item.index, ok: true, input: item.input, result: await attempt(item.input) };
        sent++;
      } catch (error) {
        result = { index: item.index, ok: false, input: item.input, error };
        failed++;
      } finally {
        inFlight--;
      }
      options.onProgress?.({ sent, failed, inFlight, ...(total === undefined ? {} : { total }) });
      await options.onResult?.(result);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } catch (error) {
    exhausted = true;
    try {
      await iterator.return?.();
    } catch {
      // The input's own cleanup failing does not hide the first error.
    }
    throw error;
  }
  return { sent, failed, aborted: !exhausted && options.signal?.aborted === true };
}

function sizeOf(inputs: BulkInput): number | undefined {
  const candidate = inputs as { length?: unknown; size?: unknown };
  if (typeof candidate.length === 'number') return candidate.length;
  if (typeof candidate.size === 'number') return candidate.size;
  return undefined;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
