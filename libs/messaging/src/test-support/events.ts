import type { ConsumerEventName, ConsumerEvents } from '../consumer/consumer-events';
import type { MessageConsumer } from '../consumer/message-consumer';

/**
 * Resolves with the first `event` that matches; subscribe before causing it. Rejects at the
 * timeout naming the event, so a test waits on what happens, never on the clock.
 */
export function nextEvent<E extends ConsumerEventName>(
  consumer: MessageConsumer,
  event: E,
  matches: (payload: ConsumerEvents[E]) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<ConsumerEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`Timed out after ${timeoutMs} ms waiting for '${event}' from group ${consumer.groupId}`),
      );
    }, timeoutMs);
    const off = consumer.on(event, (payload) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Every `event` payload, in order, for assertions after the fact. */
export function collectEvents<E extends ConsumerEventName>(
  consumer: MessageConsumer,
  event: E,
): Array<ConsumerEvents[E]> {
  const seen: Array<ConsumerEvents[E]> = [];
  consumer.on(event, (payload) => void seen.push(payload));
  return seen;
}

export const text = (value: Buffer | null): string => value?.toString('utf8') ?? '<null>';
