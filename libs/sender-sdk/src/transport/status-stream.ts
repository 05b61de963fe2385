import type { MessageStatus } from '@smis/contracts';

/** Statuses as an async iterator; `close()` (or breaking out of `for await`) stops following. */
export interface StatusStream extends AsyncIterable<MessageStatus> {
  /** Resolves once the stream follows the statuses (the Kafka group is joined, the first poll sent). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Only these messages. Required with the REST transport (it polls each one). */
  readonly messageIds?: Iterable<string>;
  /** Kafka: start at the oldest status on the topic rather than at the newest (default false). */
  readonly fromBeginning?: boolean;
  /**
   * Kafka: a durable consumer group, to resume where the last run stopped. Must start with
   * `<senderId>.` (the sender's ACL allows those groups only). Default: a fresh group per watch.
   */
  readonly groupId?: string;
  readonly signal?: AbortSignal;
}

/**
 * A hand-off queue: a producer `push`es one item and is held until the reader has taken it and
 * asked for the next one, so what was pushed was processed (the Kafka offset is committed only
 * then) and nothing piles up in memory when the reader is slow.
 */
export class HandoffQueue<T> {
  private readonly items: { value: T; taken: () => void }[] = [];
  private reader?: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void };
  private lastTaken?: () => void;
  private ended = false;
  private failure?: unknown;

  /** Resolves when the reader has finished with `value` (or the queue is closed). */
  push(value: T): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise<void>((taken) => {
      if (this.reader) {
        const reader = this.reader;
        this.reader = undefined;
        this.lastTaken = taken;
        reader.resolve({ value, done: false });
      } else {
        this.items.push({ value, taken });
      }
    });
  }

  next(): Promise<IteratorResult<T>> {
    this.releaseLast();
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const item = this.items.shift();
    if (item) {
      this.lastTaken = item.taken;
      return Promise.resolve({ value: item.value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.reader = { resolve, reject }));
  }

  end(): void {
    this.ended = true;
    this.releaseLast();
    for (const item of this.items.splice(0)) item.taken();
    this.reader?.resolve({ value: undefined, done: true });
    this.reader = undefined;
  }

  fail(error: unknown): void {
    this.failure = error;
    this.reader?.reject(error);
    this.reader = undefined;
    this.end();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private releaseLast(): void {
    const taken = this.lastTaken;
    this.lastTaken = undefined;
    taken?.();
  }
}
