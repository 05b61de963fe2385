import type { AppChannelApi } from '../api/app-channel';
import { readSse } from './sse';

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Keeps the foreground live connection to the app channel open: `message` events carry a new
 * message id (the content is fetched separately). Reconnects with capped exponential backoff.
 */
export function connectLive(
  api: Pick<AppChannelApi, 'events'>,
  handlers: { onMessage(messageId: string): void; onState(state: LiveState): void },
  options: { maxBackoffMs?: number } = {},
): () => void {
  const controller = new AbortController();
  let attempt = 0;
  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      handlers.onState('connecting');
      try {
        const stream = await api.events(controller.signal);
        for await (const event of readSse(stream)) {
          if (event.type === 'ready') {
            attempt = 0;
            handlers.onState('live');
          } else if (event.type === 'message') {
            const id = messageIdOf(event.data) ?? event.id;
            if (id) handlers.onMessage(id);
          }
        }
      } catch {
        // fall through to the backoff
      }
      if (controller.signal.aborted) return;
      handlers.onState('offline');
      const delay = Math.min(options.maxBackoffMs ?? 30_000, 500 * 2 ** Math.min(attempt++, 6));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        controller.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  void run();
  return () => controller.abort();
}

function messageIdOf(data: string): string | undefined {
  try {
    const parsed = JSON.parse(data) as { messageId?: unknown };
    return typeof parsed.messageId === 'string' ? parsed.messageId : undefined;
  } catch {
    return undefined;
  }
}
