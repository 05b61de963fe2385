import type { OutgoingRecord } from '@smis/messaging';
import { SenderConfigError } from '../errors';

export interface PublishBatchOptions {
  /** Most records in one producer call (default 100; 1 sends every record alone). */
  readonly maxRecords?: number;
  /**
   * Most value bytes in one producer call (default 512 KiB); a larger record goes alone. Keep it
   * under the broker's `message.max.bytes` (1 MiB by default).
   */
  readonly maxBytes?: number;
  /**
   * How long an idle producer waits for more records before it sends (default 0: it sends the
   * records handed in during the same tick). Records handed in while a call is in flight always
   * wait for it and go in the next one.
   */
  readonly lingerMs?: number;
}

export const PUBLISH_BATCH_DEFAULTS = Object.freeze({ maxRecords: 100, maxBytes: 512 * 1024, lingerMs: 0 });

/** The options with defaults; throws SenderConfigError naming the field (under `path`). */
export function publishBatchOptions(
  options: PublishBatchOptions = {},
  path = 'transport.batch',
): Required<PublishBatchOptions> {
  const resolved = { ...PUBLISH_BATCH_DEFAULTS, ...options };
  if (!Number.isInteger(resolved.maxRecords) || resolved.maxRecords < 1)
    throw new SenderConfigError(
      `${path}.maxRecords`,
      `must be a whole number ≥ 1 (got ${resolved.maxRecords})`,
    );
  if (!Number.isFinite(resolved.maxBytes) || resolved.maxBytes < 1)
    throw new SenderConfigError(`${path}.maxBytes`, `must be a positive number (got ${resolved.maxBytes})`);
  if (!Number.isFinite(resolved.lingerMs) || resolved.lingerMs < 0)
    throw new SenderConfigError(`${path}.lingerMs`, `must be a number ≥ 0 (got ${resolved.lingerMs})`);
  return resolved;
}

interface Pending {
  readonly record: OutgoingRecord;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** `add` after `close`. */
export class BatcherClosedError extends Error {
  override readonly name = 'BatcherClosedError';
}

/**
 * Coalesces concurrent publishes into one producer call. Records handed in while the producer is
 * idle go out together at the end of the tick (or after `lingerMs`, or at once when `maxRecords`
 * or `maxBytes` is reached); records handed in while a call is in flight go in the next call.
 * One call at a time and records in the order they were handed in, so every partition gets them
 * in that order (the producer is idempotent, one request in flight). Each caller's promise
 * settles with the outcome of the call its record went in: a failed call rejects all of its
 * records, and only those.
 */
export class PublishBatcher {
  private readonly options: Required<PublishBatchOptions>;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private timer?: { cancel(): void };
  private running?: Promise<void>;
  private closed = false;

  constructor(
    private readonly sendBatch: (records: OutgoingRecord[]) => Promise<unknown>,
    options: PublishBatchOptions = {},
  ) {
    this.options = publishBatchOptions(options);
  }

  /** Records waiting for a producer call (not the ones in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once the record's producer call succeeded; rejects with that call's error. */
  add(record: OutgoingRecord): Promise<void> {
    if (this.closed) return Promise.reject(new BatcherClosedError('the transport is closed'));
    return new Promise<void>((resolve, reject) => {
      const bytes = record.value?.length ?? 0;
      this.queue.push({ record, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.schedule();
    });
  }

  /** Sends what is waiting now (no linger), waits for every call, and refuses later records. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    while (this.running || this.queue.length > 0) await (this.running ?? this.start());
  }

  private schedule(): void {
    if (this.running) return; // the running loop takes the record after the call in flight
    const full = this.queue.length >= this.options.maxRecords || this.queuedBytes >= this.options.maxBytes;
    if (full || this.closed) {
      this.timer?.cancel();
      this.timer = undefined;
      void this.start();
      return;
    }
    if (this.timer) return;
    const go = (): void => {
      this.timer = undefined;
      void this.start();
    };
    if (this.options.lingerMs > 0) {
      const handle = setTimeout(go, this.options.lingerMs);
      this.timer = { cancel: () => clearTimeout(handle) };
    } else {
      const handle = setImmediate(go);
      this.timer = { cancel: () => clearImmediate(handle) };
    }
  }

  private start(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      // Handed in between the loop's last look at the queue and now.
      if (this.queue.length > 0) this.schedule();
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.take();
      try {
        await this.sendBatch(batch.map((pending) => pending.record));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  /** The oldest records, up to maxRecords and maxBytes (at least one). */
  private take(): Pending[] {
    let count = 0;
    let bytes = 0;
    while (
      count < this.queue.length &&
      count < this.options.maxRecords &&
      (count === 0 || bytes + this.queue[count].bytes <= this.options.maxBytes)
    ) {
      bytes += this.queue[count].bytes;
      count++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, count);
  }
}
