import type { MessageRequest, MessageStatus } from '@smis/contracts';
import { SenderConfigError, TransportError } from '../errors';
import type { GatewayClient } from '../gateway/gateway-client';
import { messageRequestToJson, parseStatusHistory } from '../gateway/wire';
import { HandoffQueue, type StatusStream, type WatchOptions } from './status-stream';
import type { SenderTransport } from './transport';

export interface RestTransportOptions {
  readonly kind: 'rest';
  /** Where the platform serves HTTP; the SDK appends /v1/gateway/…. */
  readonly gatewayUrl: string;
  /** Between two polls of GET /v1/gateway/messages/{id} (default 2000 ms). */
  readonly pollIntervalMs?: number;
}

/**
 * Whether a status ends the story of a message for polling: a message-level outcome, a read, or
 * a delivery on a channel that has no read receipt.
 */
export function isFinalStatus(status: MessageStatus): boolean {
  if (status.channel === null) return ['REJECTED', 'FAILED', 'EXPIRED'].includes(status.status);
  if (status.status === 'READ') return true;
  return status.status === 'DELIVERED' && status.channel !== 'APP';
}

/** POSTs requests to the gateway and polls GET /v1/gateway/messages/{id} for statuses. */
export class RestSenderTransport implements SenderTransport {
  readonly kind = 'rest';
  private readonly pollIntervalMs: number;
  private readonly streams = new Set<StatusStream>();

  constructor(
    private readonly senderId: string,
    private readonly gateway: GatewayClient,
    options: RestTransportOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
  }

  async publish(request: MessageRequest): Promise<void> {
    await this.gateway.submit(messageRequestToJson(request));
  }

  watch(options: WatchOptions): StatusStream {
    if (!options.messageIds) {
      throw new SenderConfigError(
        'watch.messageIds',
        'the REST gateway has no feed of all statuses: pass the messageIds to follow, or use the Kafka transport or webhooks',
      );
    }
    const pending = new Set(options.messageIds);
    const seen = new Set<string>();
    const queue = new HandoffQueue<MessageStatus>();
    let wake: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));

    const pause = (): Promise<void> =>
      new Promise((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, this.pollIntervalMs);
      });

    const poll = async (): Promise<void> => {
      while (!closed && pending.size > 0) {
        for (const messageId of [...pending]) {
          const view = await this.gateway.messageStatus(messageId);
          markReady();
          if (view === undefined) continue; // not known yet
          const statuses = parseStatusHistory(view, messageId, this.senderId);
          if (!statuses)
            throw new TransportError(
              'messages/{id}',
              'the gateway answered something that is not a status view',
              false,
            );
          for (const status of statuses) {
            if (seen.has(status.eventId)) continue;
            seen.add(status.eventId);
            await queue.push(status);
            if (closed) return;
            if (isFinalStatus(status)) pending.delete(messageId);
          }
        }
        if (pending.size > 0 && !closed) await pause();
      }
    };
    const run = poll().then(
      () => {
        markReady();
        queue.end();
      },
      (error: unknown) => {
        markReady();
        queue.fail(error);
      },
    );
    const close = async (): Promise<void> => {
      closed = true;
      clearTimeout(timer);
      wake?.();
      queue.end();
      this.streams.delete(stream);
      options.signal?.removeEventListener('abort', onAbort);
      markReady();
      await run;
    };
    const onAbort = (): void => void close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const stream: StatusStream = {
      ready,
      close,
      [Symbol.asyncIterator]: () => ({
        next: () => queue.next(),
        return: async () => {
          await close();
          return { value: undefined, done: true };
        },
      }),
    };
    this.streams.add(stream);
    return stream;
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams].map((stream) => stream.close()));
  }
}
