import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Coalescer', () => {
  it('runs the items handed in during one tick together, each with its own outcome', async () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, number>(async (items) => {
      batches.push([...items]);
      return items.map((n) => (n === 3 ? new Error(`no ${n}`) : n * 10));
    });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => coalescer.submit(n)));
    expect(batches).toEqual([[1, 2, 3, 4]]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      10,
      20,
      'no 3',
      40,
    ]);
    expect({ runs: coalescer.runs, items: coalescer.items }).toEqual({ runs: 1, items: 4 });
  });

  it('queues what arrives while a run is in flight and takes it in the next run, in order', async () => {
    const batches: string[][] = [];
    const started = deferred();
    const gate = deferred();
    const coalescer = new Coalescer<string, string>(async (items) => {
      batches.push([...items]);
      if (batches.length === 1) {
        started.resolve();
        await gate.promise;
      }
      return items.map((s) => s.toUpperCase());
    });
    const first = coalescer.submit('a');
    await started.promise; // the first run is in flight, held at the gate
    const later = ['b', 'c', 'd'].map((s) => coalescer.submit(s));
    // A tick later (when an idle coalescer would have run them), they still wait for the first.
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([['a']]);
    gate.resolve();
    expect(await Promise.all([first, ...later])).toEqual(['A', 'B', 'C', 'D']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('splits at maxBatch and runs up to `concurrency` batches at once', async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const coalescer = new Coalescer<number, number>(
      async (items) => {
        running++;
        most = Math.max(most, running);
        sizes.push(items.length);
        await new Promise((r) => setImmediate(r));
        running--;
        return [...items];
      },
      { maxBatch: 3, concurrency: 2 },
    );
    const all = Array.from({ length: 8 }, (_, i) => coalescer.submit(i));
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([3, 3, 2]);
    expect(most).toBe(2);
  });

  it('rejects every item of a batch whose run threw, and only those', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
      return [...items];
    });
    const first = await Promise.allSettled([coalescer.submit(1), coalescer.submit(2)]);
    expect(first.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect((first[0] as PromiseRejectedResult).reason).toEqual(new Error('connection lost'));
    expect(await coalescer.submit(3)).toBe(3);
  });

  it('names a run that answers the wrong number of outcomes, and refuses bad options', async () => {
    const coalescer = new Coalescer<number, number>(async () => [1]);
    const settled = await Promise.allSettled([coalescer.submit(1), coalescer.submit(2)]);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(
      new Error('Coalescer run answered 1 outcomes for 2 items (a bug in the run)'),
    );
    expect(() => new Coalescer(async () => [], { maxBatch: 0 })).toThrow(/maxBatch must be a whole number/);
    expect(() => new Coalescer(async () => [], { concurrency: 1.5 })).toThrow(
      /concurrency must be a whole number/,
    );
  });
});
