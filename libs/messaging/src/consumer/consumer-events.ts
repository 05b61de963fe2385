import { describeError } from '../errors';
import type { MessagingLogger } from '../logger';
import type { ConsumedRecord } from './consumed-record';

/** What a consumer reports, for metrics and traces. */
export interface ConsumerEvents {
  /** The handler succeeded. */
  processed: { groupId: string; record: ConsumedRecord; durationMs: number };
  /** The handler failed and the record went to a retry topic. */
  retried: {
    groupId: string;
    record: ConsumedRecord;
    error: unknown;
    retryTopic: string;
    nextAttempt: number;
    dueAt: Date;
  };
  /** The record went to the dead-letter topic. */
  deadLettered: {
    groupId: string;
    record: ConsumedRecord;
    error: unknown;
    deadLetterTopic: string;
    attempts: number;
  };
  /** The Kafka client stopped consuming on an error; `restarting` says whether it comes back by itself. */
  crashed: { groupId: string; error: unknown; restarting: boolean };
}

export type ConsumerEventName = keyof ConsumerEvents;
export type ConsumerListener<E extends ConsumerEventName> = (event: ConsumerEvents[E]) => void;
export type ConsumerHooks = { [E in ConsumerEventName]?: ConsumerListener<E> };

/** Typed listeners; a listener that throws is logged and never disturbs consumption. */
export class ConsumerEventHub {
  private readonly listeners: { [E in ConsumerEventName]: Set<ConsumerListener<E>> } = {
    processed: new Set(),
    retried: new Set(),
    deadLettered: new Set(),
    crashed: new Set(),
  };

  constructor(private readonly logger: MessagingLogger) {}

  /** Adds a listener; returns the function that removes it. */
  on<E extends ConsumerEventName>(event: E, listener: ConsumerListener<E>): () => void {
    const set = this.listeners[event] as Set<ConsumerListener<E>>;
    set.add(listener);
    return () => void set.delete(listener);
  }

  addHooks(hooks: ConsumerHooks = {}): void {
    for (const event of Object.keys(this.listeners) as ConsumerEventName[]) {
      const hook = hooks[event];
      if (hook) this.on(event, hook as ConsumerListener<typeof event>);
    }
  }

  emit<E extends ConsumerEventName>(event: E, payload: ConsumerEvents[E]): void {
    for (const listener of this.listeners[event] as Set<ConsumerListener<E>>) {
      try {
        listener(payload);
      } catch (error) {
        this.logger.error(`A '${event}' listener threw; ignored`, { error: describeError(error) });
      }
    }
  }
}
