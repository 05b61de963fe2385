import { describe, expect, it } from 'vitest';
import { afterFailedAttempt, DEFAULT_WEBHOOK_RETRY } from './retry-schedule';

const hour = 3_600_000;
const start = new Date('2026-01-01T00:00:00Z');
const deadlineAt = new Date(start.getTime() + 24 * hour);
const at = (ms: number): Date => new Date(start.getTime() + ms);

describe('webhook retry schedule', () => {
  it('backs off exponentially from the initial delay, capped, with jitter around it', () => {
    const middle = () => 0.5; // no jitter
    const delays = [1, 2, 3, 4].map((attempts) => {
      const step = afterFailedAttempt({ attempts, deadlineAt, now: start }, DEFAULT_WEBHOOK_RETRY, middle);
      return step.kind === 'retry' ? step.at.getTime() - start.getTime() : -1;
    });
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000]);
    const capped = afterFailedAttempt(
      { attempts: 30, deadlineAt, now: start },
      DEFAULT_WEBHOOK_RETRY,
      middle,
    );
    expect(capped).toEqual({ kind: 'retry', at: at(hour) });
    const low = afterFailedAttempt({ attempts: 1, deadlineAt, now: start }, DEFAULT_WEBHOOK_RETRY, () => 0);
    const high = afterFailedAttempt(
      { attempts: 1, deadlineAt, now: start },
      DEFAULT_WEBHOOK_RETRY,
      () => 0.999,
    );
    expect(low).toEqual({ kind: 'retry', at: at(8_000) });
    expect(high.kind === 'retry' && high.at.getTime() - start.getTime()).toBeGreaterThan(11_900);
  });

  it('retries last at the end of the window, then gives up', () => {
    const nearEnd = at(24 * hour - 5_000);
    expect(afterFailedAttempt({ attempts: 20, deadlineAt, now: nearEnd }, DEFAULT_WEBHOOK_RETRY)).toEqual({
      kind: 'retry',
      at: deadlineAt,
    });
    expect(afterFailedAttempt({ attempts: 21, deadlineAt, now: deadlineAt }, DEFAULT_WEBHOOK_RETRY)).toEqual({
      kind: 'give-up',
    });
  });

  it('keeps retrying for the whole 24 hours with the defaults (about 30 attempts)', () => {
    let now = start;
    let attempts = 1;
    for (;;) {
      const step = afterFailedAttempt({ attempts, deadlineAt, now }, DEFAULT_WEBHOOK_RETRY);
      if (step.kind === 'give-up') break;
      now = step.at;
      attempts += 1;
    }
    expect(now).toEqual(deadlineAt);
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(40);
  });
});
