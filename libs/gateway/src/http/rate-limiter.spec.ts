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
});
