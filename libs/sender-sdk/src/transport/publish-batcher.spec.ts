import type { OutgoingRecord } from '@smis/messaging';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SenderConfigError } from '../errors';
import { BatcherClosedError, PublishBatcher, publishBatchOptions } from './publish-batcher';

/** A producer double: records every call; each call waits until the test settles it. */
function fakeProducer() {
  const calls: { keys: string[]; settle: (error?: Error) => void }[] = [];
  const waiters: (() => void)[] = [];
  const send = (records: OutgoingRecord[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        keys: records.map((r) => String(r.key)),
        settle: (error) => (error ? reject(error) : resolve()),
      });
      for (const waiter of waiters.splice(0)) waiter();
    });
  /** Resolves once `count` calls were made. */
  const whenCalls = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => (calls.length >= count ? resolve() : void waiters.push(check));
      check();
    });
  return { calls, send, whenCalls };
}

const record = (key: string, bytes = 10): OutgoingRecord => ({ key, value: Buffer.alloc(bytes) });

type Outcome = { key: string; ok: boolean; error?: unknown };
function track(batcher: PublishBatcher, key: string, bytes?: number, outcomes: Outcome[] = []) {
  return batcher.add(record(key, bytes)).then(
    () => void outcomes.push({ key, ok: true }),
    (error: unknown) => void outcomes.push({ key, ok: false, error }),
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PublishBatcher', () => {
  it('publishes the records handed in during one tick with one call, in order, and resolves each', async () => {
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send);
    const outcomes: Outcome[] = [];
    const sends = ['a', 'b', 'c', 'd'].map((key) => track(batcher, key, 10, outcomes));
    expect(producer.calls).toHaveLength(0); // nothing before the end of the tick
    await producer.whenCalls(1);
    expect(producer.calls.map((c) => c.keys)).toEqual([['a', 'b', 'c', 'd']]);
    expect(outcomes).toEqual([]);
    producer.calls[0].settle();
    await Promise.all(sends);
    expect(outcomes.map((o) => o.key)).toEqual(['a', 'b', 'c', 'd']);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('sends a lone record by itself, without waiting for more', async () => {
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send);
    const sent = batcher.add(record('alone'));
    await producer.whenCalls(1);
    producer.calls[0].settle();
    await sent;
    expect(producer.calls.map((c) => c.keys)).toEqual([['alone']]);
  });

  it('makes one call at a time: records handed in meanwhile go in the next call, order kept', async () => {
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send);
    const first = [track(batcher, '1'), track(batcher, '2')];
    await producer.whenCalls(1);
    const second = [track(batcher, '3'), track(batcher, '4'), track(batcher, '5')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(producer.calls).toHaveLength(1); // still waiting for the first call
    expect(batcher.waiting).toBe(3);
    producer.calls[0].settle();
    await Promise.all(first);
    await producer.whenCalls(2);
    producer.calls[1].settle();
    await Promise.all(second);
    expect(producer.calls.map((c) => c.keys)).toEqual([
      ['1', '2'],
      ['3', '4', '5'],
    ]);
  });

  it('splits at maxRecords and maxBytes; a record over maxBytes goes alone', async () => {
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send, { maxRecords: 3, maxBytes: 100 });
    const sends = [
      track(batcher, 'a', 10),
      track(batcher, 'b', 10),
      track(batcher, 'c', 10),
      track(batcher, 'd', 10),
      track(batcher, 'e', 70),
      track(batcher, 'f', 30), // 10 + 70 + 30 > 100
      track(batcher, 'big', 500),
      track(batcher, 'g', 1),
    ];
    for (let i = 1; i <= 5; i++) {
      await producer.whenCalls(i);
      producer.calls[i - 1].settle();
    }
    await Promise.all(sends);
    expect(producer.calls.map((c) => c.keys)).toEqual([['a', 'b', 'c'], ['d', 'e'], ['f'], ['big'], ['g']]);
  });

  it('rejects every caller of a failed call with its error, and only those', async () => {
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send);
    const outcomes: Outcome[] = [];
    const first = ['a', 'b', 'c'].map((key) => track(batcher, key, 10, outcomes));
    await producer.whenCalls(1);
    const second = ['d', 'e'].map((key) => track(batcher, key, 10, outcomes));
    const broken = new Error('NOT_LEADER_FOR_PARTITION');
    producer.calls[0].settle(broken);
    await Promise.all(first);
    expect(outcomes).toEqual([
      { key: 'a', ok: false, error: broken },
      { key: 'b', ok: false, error: broken },
      { key: 'c', ok: false, error: broken },
    ]);
    await producer.whenCalls(2);
    producer.calls[1].settle();
    await Promise.all(second);
    expect(outcomes.slice(3)).toEqual([
      { key: 'd', ok: true },
      { key: 'e', ok: true },
    ]);
  });

  it('waits lingerMs for more records when idle', async () => {
    vi.useFakeTimers();
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send, { lingerMs: 5 });
    void track(batcher, 'a');
    await vi.advanceTimersByTimeAsync(4);
    void track(batcher, 'b');
    expect(producer.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(producer.calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    producer.calls[0].settle();
  });

  it('close publishes what waits, then refuses new records', async () => {
    const producer = fakeProducer();
    const batcher = new PublishBatcher(producer.send, { lingerMs: 60_000 });
    const outcomes: Outcome[] = [];
    const sends = ['a', 'b'].map((key) => track(batcher, key, 10, outcomes));
    const closed = batcher.close();
    await producer.whenCalls(1);
    producer.calls[0].settle();
    await closed;
    await Promise.all(sends);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    await expect(batcher.add(record('late'))).rejects.toBeInstanceOf(BatcherClosedError);
    expect(producer.calls).toHaveLength(1);
  });

  it('refuses options it cannot work with, naming the field', () => {
    expect(publishBatchOptions()).toEqual({ maxRecords: 100, maxBytes: 512 * 1024, lingerMs: 0 });
    expect(() => publishBatchOptions({ maxRecords: 0 })).toThrow(SenderConfigError);
    expect(() => publishBatchOptions({ maxRecords: 1.5 })).toThrow('transport.batch.maxRecords');
    expect(() => publishBatchOptions({ maxBytes: 0 })).toThrow('transport.batch.maxBytes');
    expect(() => publishBatchOptions({ lingerMs: -1 })).toThrow('transport.batch.lingerMs');
  });
});
