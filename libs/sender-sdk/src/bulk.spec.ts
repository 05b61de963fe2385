import { describe, expect, it } from 'vitest';
import { sendBulk, type BulkItemResult, type BulkProgress } from './bulk';
import { GatewayError, RateLimitedError } from './errors';
import type { SendInput, SendResult } from './types';

const noDevice = { appInstalled: false, notificationsEnabled: false, devices: [] };
const item = (n: number): SendInput =>
  ({ recipient: `niss:${n}`, content: {}, category: 'c', expiresAt: 1 }) as unknown as SendInput;

/** A send that holds every call until the test releases it, and counts what is in flight. */
function heldSend() {
  const held: { input: SendInput; release: (fail?: unknown) => void }[] = [];
  const waiters: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (input: SendInput): Promise<SendResult> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<SendResult>((resolve, reject) => {
      held.push({
        input,
        release: (fail) => {
          inFlight--;
          if (fail) reject(fail);
          else resolve({ messageId: String(input.recipient), reachability: noDevice });
        },
      });
      for (const w of waiters.splice(0)) w();
    });
  };
  const whenHeld = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => (held.length >= count ? resolve() : void waiters.push(check));
      check();
    });
  return { send, held, whenHeld, stats: () => ({ inFlight, maxInFlight }) };
}

describe('sendBulk', () => {
  it('never has more than `concurrency` sends in flight and pulls inputs only when a slot frees', async () => {
    const { send, held, whenHeld, stats } = heldSend();
    let pulled = 0;
    function* inputs(): Generator<SendInput> {
      for (let n = 0; n < 20; n++) {
        pulled++;
        yield item(n);
      }
    }
    const progress: BulkProgress[] = [];
    const run = sendBulk(inputs(), send, { concurrency: 3, onProgress: (p) => progress.push(p) });
    for (let released = 0; released < 20; released++) {
      // Every free slot gets filled...
      await whenHeld(Math.min(released + 3, 20));
      // ...but no more: at most 3 started and not finished, and the generator is not read ahead.
      expect(held).toHaveLength(Math.min(released + 3, 20));
      expect(stats().inFlight).toBe(Math.min(3, 20 - released));
      expect(pulled).toBeLessThanOrEqual(released + 3);
      held[released].release();
    }
    await expect(run).resolves.toEqual({ sent: 20, failed: 0, aborted: false });
    expect(stats().maxInFlight).toBe(3);
    expect(progress.at(-1)).toEqual({ sent: 20, failed: 0, inFlight: 0 });
  });

  it('reads async inputs one at a time, reports failures per item, and knows the total of an array', async () => {
    const { send, held, whenHeld } = heldSend();
    const results: BulkItemResult[] = [];
    const progress: BulkProgress[] = [];
    const run = sendBulk([item(0), item(1), item(2), item(3)], send, {
      concurrency: 2,
      onResult: (r) => void results.push(r),
      onProgress: (p) => progress.push(p),
    });
    await whenHeld(2);
    held[1].release(new GatewayError('messages', 403, { title: 'Forbidden' }));
    await whenHeld(3);
    held[0].release();
    await whenHeld(4);
    held[2].release();
    held[3].release();
    await expect(run).resolves.toEqual({ sent: 3, failed: 1, aborted: false });
    expect(results.map((r) => [r.index, r.ok])).toEqual([
      [1, false],
      [0, true],
      [2, true],
      [3, true],
    ]);
    expect(progress[0]).toEqual({ sent: 0, failed: 1, inFlight: 1, total: 4 });

    let active = 0;
    let overlapping = false;
    async function* slowSource(): AsyncGenerator<SendInput> {
      for (let n = 0; n < 5; n++) {
        active++;
        if (active > 1) overlapping = true;
        await Promise.resolve();
        active--;
        yield item(n);
      }
    }
    const summary = await sendBulk(
      slowSource(),
      async (i) => ({ messageId: String(i.recipient), reachability: noDevice }),
      {
        concurrency: 4,
      },
    );
    expect(summary).toEqual({ sent: 5, failed: 0, aborted: false });
    expect(overlapping).toBe(false);
  });

  it('tries a rate-limited item again after Retry-After, up to maxAttempts', async () => {
    let calls = 0;
    const send = async (input: SendInput): Promise<SendResult> => {
      calls++;
      if (calls <= 2) throw new RateLimitedError('messages', undefined, 0);
      return { messageId: String(input.recipient), reachability: noDevice };
    };
    await expect(sendBulk([item(1)], send, { maxAttempts: 3 })).resolves.toMatchObject({
      sent: 1,
      failed: 0,
    });
    calls = 0;
    await expect(sendBulk([item(1)], send, { maxAttempts: 2 })).resolves.toMatchObject({
      sent: 0,
      failed: 1,
    });
  });

  it('stops starting sends when aborted, and fails on a broken input', async () => {
    const controller = new AbortController();
    let sent = 0;
    const summary = await sendBulk(
      (function* () {
        for (let n = 0; n < 100; n++) yield item(n);
      })(),
      async (i) => {
        if (++sent === 5) controller.abort();
        return { messageId: String(i.recipient), reachability: noDevice };
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(summary).toEqual({ sent: 5, failed: 0, aborted: true });

    async function* broken(): AsyncGenerator<SendInput> {
      yield item(0);
      throw new Error('the CSV file is truncated');
    }
    await expect(
      sendBulk(broken(), async (i) => ({ messageId: String(i.recipient), reachability: noDevice })),
    ).rejects.toThrow('truncated');
    await expect(
      sendBulk([], async () => ({ messageId: '', reachability: noDevice }), { concurrency: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
