import type { Broadcast, MessageRequest } from '@smis/contracts';
import type { BroadcastListChunk } from '../broadcast/list-records';
import { HandoffQueue, type StatusStream } from '../transport/status-stream';
import type { SenderTransport } from '../transport/transport';

/** Test-only: keeps what is published; `hold` makes publishes wait until released. */
export class RecordingTransport implements SenderTransport {
  readonly kind = 'recording';
  readonly published: MessageRequest[] = [];
  /** Broadcasts and list chunks in the order they were published. */
  readonly broadcastRecords: (
    { kind: 'broadcast'; broadcast: Broadcast } | { kind: 'chunk'; chunk: BroadcastListChunk }
  )[] = [];
  /** Called as each broadcast record is published (tests look at the world at that moment). */
  onBroadcastRecord?: () => void;
  inFlight = 0;
  maxInFlight = 0;
  private readonly gates: (() => void)[] = [];
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly hold = false) {}

  async publish(request: MessageRequest): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.notify();
    try {
      if (this.hold) await new Promise<void>((release) => this.gates.push(release));
      this.published.push(request);
    } finally {
      this.inFlight--;
    }
  }

  async publishBroadcast(broadcast: Broadcast): Promise<void> {
    this.onBroadcastRecord?.();
    this.broadcastRecords.push({ kind: 'broadcast', broadcast });
  }

  async publishListChunk(chunk: BroadcastListChunk): Promise<void> {
    this.onBroadcastRecord?.();
    // Copies: what was published, whatever the caller does with its buffers afterwards.
    this.broadcastRecords.push({
      kind: 'chunk',
      chunk: { ...chunk, recipients: chunk.recipients.map((r) => Buffer.from(r)) },
    });
  }

  /** Resolves once `count` publishes are waiting to be released. */
  whenHeld(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => (this.gates.length >= count ? resolve() : void this.waiters.push(check));
      check();
    });
  }

  /** Lets every held publish finish. */
  releaseAll(): number {
    const gates = this.gates.splice(0);
    for (const release of gates) release();
    return gates.length;
  }

  watch(): StatusStream {
    const queue = new HandoffQueue<never>();
    queue.end();
    return {
      ready: Promise.resolve(),
      close: async () => undefined,
      [Symbol.asyncIterator]: () => ({ next: () => queue.next() }),
    };
  }

  async close(): Promise<void> {
    this.releaseAll();
  }

  private notify(): void {
    // Publishes register their gate after this call returns; re-check on the next microtasks.
    queueMicrotask(() => {
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }
}
