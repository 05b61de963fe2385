import type { PushProviderKind } from '../config';
import type { PushRequest, PushResult, PushTarget } from '../ports';
import { RateLimiter } from './rate-limiter';

export interface FanOutCounts {
  sent: number;
  failed: number;
  gone: number;
}

export interface FanOutOptions {
  /** Pages of devices, in cursor order; a page is read only when the previous one is done (bounded memory). */
  pages: AsyncIterable<readonly PushTarget[]>;
  notification: PushRequest;
  push: (target: PushTarget, notification: PushRequest) => Promise<PushResult>;
  ratesPerSecond: Record<PushProviderKind, number>;
  /** Pushes in flight at once. */
  concurrency: number;
  /** After each page: the last cursor and the page's counts (persist them). */
  onPage?: (cursor: string, page: FanOutCounts) => Promise<void>;
  /** Checked before each page: stop (cancellation, lost lease) when it answers true. */
  shouldStop?: () => Promise<boolean> | boolean;
}

export interface FanOutResult extends FanOutCounts {
  stopped: boolean;
  pages: number;
}

/**
 * The streamed, rate-controlled per-device fan-out (ADR 1100): one page of devices at a time,
 * each push waiting for its provider's token bucket, at most `concurrency` in flight. Memory is
 * one page plus the pushes in flight, whatever the audience size.
 */
export async function fanOut(options: FanOutOptions): Promise<FanOutResult> {
  const limiters = Object.fromEntries(
    Object.entries(options.ratesPerSecond).map(([kind, rate]) => [kind, new RateLimiter(rate)]),
  ) as Record<PushProviderKind, RateLimiter>;
  const total: FanOutResult = { sent: 0, failed: 0, gone: 0, stopped: false, pages: 0 };
  for await (const page of options.pages) {
    if (page.length === 0) continue;
    if (options.shouldStop && (await options.shouldStop())) {
      total.stopped = true;
      break;
    }
    const counts: FanOutCounts = { sent: 0, failed: 0, gone: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < page.length) {
        const target = page[next++];
        await limiters[target.provider]?.take();
        let result: PushResult;
        try {
          result = await options.push(target, options.notification);
        } catch (error) {
          result = { kind: 'failed', reason: (error as Error).name };
        }
        if (result.kind === 'sent') counts.sent += 1;
        else if (result.kind === 'gone') counts.gone += 1;
        else counts.failed += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, page.length) }, worker));
    total.sent += counts.sent;
    total.failed += counts.failed;
    total.gone += counts.gone;
    total.pages += 1;
    await options.onPage?.(page[page.length - 1].cursor, counts);
  }
  return total;
}

/** Pages from a keyset query: `fetch(after, limit)` until a short page. */
export async function* keysetPages(
  fetch: (after: string | null, limit: number) => Promise<readonly PushTarget[]>,
  start: string | null,
  limit: number,
): AsyncIterable<readonly PushTarget[]> {
  let after = start;
  for (;;) {
    const page = await fetch(after, limit);
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    after = page[page.length - 1].cursor;
  }
}
