import { describe, expect, it } from 'vitest';
import { DEFAULT_METHOD, formatTable, measureAsync, measureSync, median, QUICK_METHOD } from './harness';
import { availableBenches, loadBench, parseMethod, parseOnly } from './registry';

const TINY = { warmupMs: 5, runMs: 10, runs: 3 };

describe('harness', () => {
  it('takes the median of odd and even run counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('measures throughput in items per second, sync and async', async () => {
    const sync = measureSync('noop', TINY, () => 10);
    expect(sync.runs).toHaveLength(3);
    expect(sync.median).toBeGreaterThan(0);
    expect(sync.min).toBeLessThanOrEqual(sync.max);
    expect(sync.coresUsed).toBeGreaterThan(0);
    const async = await measureAsync('tick', TINY, async () => 1, 2);
    expect(async.runs).toHaveLength(3);
    expect(async.median).toBeGreaterThan(0);
  });

  it('counts every completed operation of concurrent lanes', async () => {
    let calls = 0;
    const method = { warmupMs: 1, runMs: 40, runs: 1 };
    const started = performance.now();
    const m = await measureAsync(
      'sleep',
      method,
      async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return 1;
      },
      4,
    );
    const seconds = (performance.now() - started) / 1000;
    // Every call but those of the warm-up is counted: rate * run time ~= calls after warm-up.
    expect(m.median * seconds).toBeGreaterThan(calls * 0.5);
  });

  it('prints an aligned markdown table', () => {
    const table = formatTable([
      { name: 'x', unit: 'ops/s', median: 1234.4, min: 1000, max: 1300, runs: [1234.4], coresUsed: 0.987 },
    ]);
    expect(table.split('\n')).toEqual([
      '| measurement | median ops/s | min – max     | cores used | note |',
      '| ----------- | ------------ | ------------- | ---------- | ---- |',
      '| x           |        1,234 | 1,000 – 1,300 |       0.99 |      |',
    ]);
  });
});

describe('registry', () => {
  it('finds benches by file name', async () => {
    expect(availableBenches()).toContain('crypto');
    expect((await loadBench('crypto')).name).toBe('crypto');
    await expect(loadBench('nope')).rejects.toThrow(/unknown bench "nope"; available: .*crypto/);
    await expect(loadBench('../harness')).rejects.toThrow(/unknown bench/);
  });

  it('reads the method flags', () => {
    expect(parseMethod([])).toEqual(DEFAULT_METHOD);
    expect(parseMethod(['--quick'])).toEqual(QUICK_METHOD);
    expect(parseMethod(['--runs', '9', '--run-ms', '500'])).toEqual({
      ...DEFAULT_METHOD,
      runs: 9,
      runMs: 500,
    });
    expect(() => parseMethod(['--runs', 'x'])).toThrow(/positive integer/);
    expect(parseOnly([])('anything')).toBe(true);
    const only = parseOnly(['--only', 'pool']);
    expect([only('transcrypt, batches of 1024, pool'), only('envelope open (tweetnacl)')]).toEqual([
      true,
      false,
    ]);
    expect(() => parseOnly(['--only'])).toThrow(/needs a text/);
  });
});
