import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  it('runs at most `limit` tasks at once, all of them in the end, in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(3);
    const gates: (() => void)[] = [];
    const started: number[] = [];
    let peak = 0;
    const tasks = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, limiter.running);
        await new Promise<void>((resolve) => gates.push(resolve));
        return i * 2;
      }),
    );
    // Release the running tasks one at a time, as they start.
    for (let released = 0; released < 10; released++) {
      while (gates.length === 0) await Promise.resolve();
      expect(started.length - released).toBeLessThanOrEqual(3);
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(started).toEqual([...Array(10).keys()]);
    expect(peak).toBe(3);
    expect(limiter.running).toBe(0);
  });

  it('frees the slot of a task that throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});
