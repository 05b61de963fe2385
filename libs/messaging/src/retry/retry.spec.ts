import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError, RetriesExhaustedError } from '../errors';
import { backoffDelay, DEFAULT_BACKOFF, validateBackoff, type BackoffPolicy } from './backoff';
import { withRetry } from './with-retry';

const noJitter: BackoffPolicy = { retries: 5, initialDelayMs: 100, factor: 2, jitter: 0, maxDelayMs: 1_000 };

describe('backoffDelay', () => {
  it('grows by the factor and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, noJitter))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('spreads each delay by ±jitter around the base', () => {
    const policy = { ...noJitter, jitter: 0.2 };
    expect(backoffDelay(1, policy, () => 0)).toBe(160);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(1, policy, () => 0.999_999)).toBe(240);
  });

  it('never exceeds the cap, jitter included', () => {
    expect(backoffDelay(10, { ...noJitter, jitter: 1 }, () => 0.999_999)).toBe(1_000);
  });

  it('has explicit defaults', () => {
    expect(DEFAULT_BACKOFF).toEqual({
      retries: 5,
      initialDelayMs: 300,
      factor: 2,
      jitter: 0.2,
      maxDelayMs: 30_000,
    });
  });

  it('rejects nonsense', () => {
    expect(() => backoffDelay(-1, noJitter)).toThrow(RangeError);
    expect(() => validateBackoff({ ...noJitter, factor: 0.5, jitter: 2 })).toThrow(
      /factor must be ≥ 1.*jitter must be within/,
    );
    expect(() => validateBackoff({ ...noJitter, maxDelayMs: 10 })).toThrow(/maxDelayMs/);
  });
});

describe('withRetry', () => {
  const recordSleeps = (): { sleeps: number[]; sleep: (ms: number) => Promise<void> } => {
    const sleeps: number[] = [];
    return { sleeps, sleep: async (ms) => void sleeps.push(ms) };
  };

  it('retries retriable failures with backoff until success', async () => {
    const { sleeps, sleep } = recordSleeps();
    let calls = 0;
    const flaky = withRetry(
      async (x: number) => {
        calls++;
        if (calls < 3) throw new RetriableError('not yet');
        return x * 2;
      },
      { ...noJitter, sleep },
    );
    await expect(flaky(21)).resolves.toBe(42);
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('rethrows a non-retriable failure at once', async () => {
    const { sleeps, sleep } = recordSleeps();
    const error = new NonRetriableError('invalid');
    const failing = withRetry(async () => Promise.reject(error), { ...noJitter, sleep });
    await expect(failing()).rejects.toBe(error);
    expect(sleeps).toEqual([]);
  });

  it('never retries programmer errors, whatever the predicate says', async () => {
    let calls = 0;
    const buggy = withRetry(
      async () => {
        calls++;
        throw new TypeError('cannot read properties of undefined');
      },
      { ...noJitter, isRetriable: () => true, sleep: async () => undefined },
    );
    await expect(buggy()).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries, keeping the last failure', async () => {
    const { sleeps, sleep } = recordSleeps();
    const last = new RetriableError('still down');
    const down = withRetry(async () => Promise.reject(last), { ...noJitter, retries: 2, sleep });
    const error = await down().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect((error as RetriesExhaustedError).cause).toBe(last);
    expect(sleeps).toEqual([100, 200]);
  });

  it('reports each retry', async () => {
    const events: Array<{ retry: number; delayMs: number }> = [];
    let calls = 0;
    const op = withRetry(
      async () => {
        if (++calls === 1) throw new RetriableError('once');
        return 'ok';
      },
      {
        ...noJitter,
        sleep: async () => undefined,
        onRetry: ({ retry, delayMs }) => events.push({ retry, delayMs }),
      },
    );
    await op();
    expect(events).toEqual([{ retry: 1, delayMs: 100 }]);
  });
});
