import { describe, expect, it } from 'vitest';
import type { PushTarget } from '../ports';
import { fanOut, keysetPages } from './fan-out';
import { RateLimiter } from './rate-limiter';

const notification = { messageId: 'b-1', priority: 'URGENT' as const, ttlSeconds: 60 };

function devices(n: number, provider: PushTarget['provider'] = 'apns'): PushTarget[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `d${String(i).padStart(6, '0')}`;
    return { cursor: id, deviceId: id, provider, token: `t-${id}` };
  });
}

/** A keyset source over an in-memory list, recording how many rows were ever handed out at once. */
function source(all: PushTarget[]) {
  const seen = { pages: 0 };
  const fetch = async (after: string | null, limit: number) => {
    seen.pages += 1;
    const from = after === null ? 0 : all.findIndex((d) => d.cursor === after) + 1;
    return all.slice(from, from + limit);
  };
  return { fetch, seen };
}

describe('fanOut', () => {
  it('pushes every device once, page by page, saving the cursor after each page', async () => {
    const all = devices(1_005);
    const { fetch } = source(all);
    const pushed: string[] = [];
    const cursors: string[] = [];
    const result = await fanOut({
      pages: keysetPages(fetch, null, 100),
      notification,
      push: async (t) => {
        pushed.push(t.token);
        return t.token.endsWith('7') ? { kind: 'gone', reason: 'apns.unregistered' } : { kind: 'sent' };
      },
      ratesPerSecond: { fcm: 1e6, apns: 1e6, webpush: 1e6 },
      concurrency: 8,
      onPage: async (cursor) => {
        cursors.push(cursor);
      },
    });
    expect(new Set(pushed).size).toBe(1_005);
    expect(pushed.length).toBe(1_005);
    expect(result).toMatchObject({ sent: 1_005 - 100, gone: 100, failed: 0, pages: 11, stopped: false });
    expect(cursors.at(-1)).toBe(all[all.length - 1].cursor);
    expect(cursors).toHaveLength(11);
  });

  it('resumes after the saved cursor and stops before the next page when told to (cancellation)', async () => {
    const all = devices(50);
    const { fetch } = source(all);
    const pushed: string[] = [];
    const result = await fanOut({
      pages: keysetPages(fetch, all[9].cursor, 10),
      notification,
      push: async (t) => {
        pushed.push(t.deviceId);
        return { kind: 'sent' };
      },
      ratesPerSecond: { fcm: 1e6, apns: 1e6, webpush: 1e6 },
      concurrency: 4,
      shouldStop: () => pushed.length >= 20,
    });
    expect(pushed[0]).toBe(all[10].deviceId);
    expect(pushed).toHaveLength(20);
    expect(result.stopped).toBe(true);
  });

  it('counts a throwing push as failed and goes on', async () => {
    const { fetch } = source(devices(5, 'webpush'));
    const result = await fanOut({
      pages: keysetPages(fetch, null, 2),
      notification,
      push: async (t) => {
        if (t.deviceId === 'd000002') throw new Error('boom');
        return { kind: 'sent' };
      },
      ratesPerSecond: { fcm: 1e6, apns: 1e6, webpush: 1e6 },
      concurrency: 2,
    });
    expect(result).toMatchObject({ sent: 4, failed: 1 });
  });
});

describe('RateLimiter', () => {
  it('lets a burst through at once and then paces takes at the rate', async () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    for (let i = 0; i < 5; i++) await limiter.take();
    let done = false;
    const waiting = limiter.take().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    now = 100; // one token refilled at 10/s
    await waiting;
    expect(done).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});
