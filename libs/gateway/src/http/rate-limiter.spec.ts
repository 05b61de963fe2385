import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('per-sender rate limiter', () => {
  it('allows the burst, then asks to wait, and refills with time', () => {
    const limiter = new RateLimiter(1, 2);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 1000)).toBe(0);
  });

  it('takes several tokens for a costly request, refuses it whole, and caps the cost at the burst', () => {
    const limiter = new RateLimiter(10, 20);
    expect(limiter.take('a', 0, 15)).toBe(0);
    // 5 left: a request for 6 is refused and takes nothing; one token comes back every 100 ms.
    expect(limiter.take('a', 0, 6)).toBe(1);
    expect(limiter.take('a', 0, 5)).toBe(0);
    expect(limiter.take('a', 0)).toBe(1);
    // More than the burst costs the burst (it could never pass otherwise).
    expect(limiter.take('b', 0, 1_000)).toBe(0);
    expect(limiter.take('b', 0)).toBe(1);
    expect(limiter.take('b', 2_000, 1_000)).toBe(0);
  });
});
