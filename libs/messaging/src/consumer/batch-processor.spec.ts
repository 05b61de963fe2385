import { describe, expect, it } from 'vitest';
import { BatchRecordError, DecodeError, RetriableError } from '../errors';
import { silentLogger } from '../logger';
import type { OutgoingRecord } from '../producer/message-producer';
import {
  createBatchProcessor,
  type BatchControls,
  type FetchedBatch,
  type HandlerMode,
} from './batch-processor';
import type { ConsumedRecord } from './consumed-record';
import { ConsumerEventHub } from './consumer-events';
import { classifyFailure } from './failure-policy';
import { DEAD_LETTER_HEADERS, RETRY_HEADERS } from './headers';
import { ResumeScheduler, type Timers } from './resume-scheduler';
import { subscribedTopics } from './topic-names';

const NOW = 1_750_000_000_000;

/** Stands in for the Kafka client's eachBatch payload and records what the processor did with it. */
class FakeControls implements BatchControls {
  resolved: string[] = [];
  paused = 0;
  resumed = 0;
  running = true;
  heartbeats = 0;
  resolveOffset(offset: string): void {
    this.resolved.push(offset);
  }
  async heartbeat(): Promise<void> {
    this.heartbeats++;
  }
  pause(): () => void {
    this.paused++;
    return () => void this.resumed++;
  }
  isRunning(): boolean {
    return this.running;
  }
  isStale(): boolean {
    return false;
  }
  commits = 0;
  async commitOffsetsIfNecessary(): Promise<void> {
    this.commits++;
  }
}

class FakeTimers implements Timers {
  scheduled: Array<{ callback: () => void; ms: number }> = [];
  setTimeout(callback: () => void, ms: number): unknown {
    this.scheduled.push({ callback, ms });
    return this.scheduled.length;
  }
  cleared = 0;
  clearTimeout(): void {
    this.cleared++;
  }
}

const batchOf = (topic: string, values: string[], headers: Record<string, string> = {}): FetchedBatch => ({
  topic,
  partition: 0,
  messages: values.map((value, index) => ({
    key: Buffer.from(`k${index}`),
    value: Buffer.from(value),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    offset: String(index),
    timestamp: String(NOW - 1_000),
  })),
});

function setup(handler: HandlerMode) {
  const published: Array<{ topic: string; record: OutgoingRecord }> = [];
  const events = new ConsumerEventHub(silentLogger);
  const seen = { processed: [] as string[], retried: [] as string[], deadLettered: [] as string[] };
  events.on('processed', ({ record }) => seen.processed.push(record.value?.toString() ?? ''));
  events.on('retried', ({ record }) => seen.retried.push(record.value?.toString() ?? ''));
  events.on('deadLettered', ({ record }) => seen.deadLettered.push(record.value?.toString() ?? ''));
  const timers = new FakeTimers();
  const process = createBatchProcessor({
    groupId: 'g',
    roles: subscribedTopics(['t'], 2),
    handler,
    policy: { retryDelaysMs: [1_000, 5_000], classify: classifyFailure },
    publish: async (topic, record) => void published.push({ topic, record }),
    events,
    scheduler: new ResumeScheduler(() => NOW, timers),
    logger: silentLogger,
    now: () => NOW,
    isStopping: () => false,
  });
  return { process, published, seen, timers, controls: new FakeControls() };
}

const failOn =
  (poison: string, error: () => Error) =>
  async (record: ConsumedRecord): Promise<void> => {
    if (record.value?.toString() === poison) throw error();
  };

describe('batch processor, per-message handler', () => {
  it('dead-letters a poison record and goes on with the next one on the partition', async () => {
    const { process, published, seen, controls } = setup({
      eachMessage: failOn('b', () => new DecodeError('bad bytes')),
    });
    await process(batchOf('t', ['a', 'b', 'c']), controls);
    expect(seen).toEqual({ processed: ['a', 'c'], retried: [], deadLettered: ['b'] });
    expect(controls.resolved).toEqual(['0', '1', '2']);
    expect(published).toHaveLength(1);
    expect(published[0].topic).toBe('t.dlq');
    expect(published[0].record.key).toEqual(Buffer.from('k1'));
    expect(published[0].record.value).toEqual(Buffer.from('b'));
    expect(published[0].record.headers?.[DEAD_LETTER_HEADERS.reason]).toBe('bad bytes');
  });

  it('sends a retriable failure to the first retry topic', async () => {
    const { process, published, seen, controls } = setup({
      eachMessage: failOn('a', () => new RetriableError('db down')),
    });
    await process(batchOf('t', ['a']), controls);
    expect(seen.retried).toEqual(['a']);
    expect(published[0].topic).toBe('t.retry.1');
    expect(published[0].record.headers?.[RETRY_HEADERS.dueAt]).toBe(String(NOW + 1_000));
    expect(controls.resolved).toEqual(['0']);
  });

  it('does not resolve a record whose failure could not be published', async () => {
    const controls = new FakeControls();
    const failingPublish = createBatchProcessor({
      groupId: 'g',
      roles: subscribedTopics(['t'], 0),
      handler: { eachMessage: failOn('b', () => new DecodeError('x')) },
      policy: { retryDelaysMs: [], classify: classifyFailure },
      publish: async () => Promise.reject(new Error('broker gone')),
      events: new ConsumerEventHub(silentLogger),
      scheduler: new ResumeScheduler(() => NOW, new FakeTimers()),
      logger: silentLogger,
      now: () => NOW,
      isStopping: () => false,
    });
    await expect(failingPublish(batchOf('t', ['a', 'b', 'c']), controls)).rejects.toThrow(
      /Could not move t\[0\]@1 to t.dlq/,
    );
    expect(controls.resolved).toEqual(['0']);
  });

  it('handles due retry records and pauses the partition until the next one is due', async () => {
    const handled: string[] = [];
    const { process, controls, timers } = setup({
      eachMessage: async (record) => void handled.push(`${record.value?.toString()}#${record.attempt}`),
    });
    const batch = batchOf('t.retry.1', ['due', 'later']);
    (batch.messages[0].headers as Record<string, Buffer>)[RETRY_HEADERS.dueAt] = Buffer.from(String(NOW - 1));
    (batch.messages[1].headers as Record<string, Buffer>)[RETRY_HEADERS.dueAt] = Buffer.from(
      String(NOW + 700),
    );
    await process(batch, controls);
    expect(handled).toEqual(['due#2']);
    expect(controls.resolved).toEqual(['0']);
    expect(controls.paused).toBe(1);
    expect(timers.scheduled.map((t) => t.ms)).toEqual([700]);
    timers.scheduled[0].callback();
    expect(controls.resumed).toBe(1);
  });

  it('stops between records when the consumer stops', async () => {
    const { process, seen, controls } = setup({
      eachMessage: async () => {
        controls.running = false;
      },
    });
    await process(batchOf('t', ['a', 'b']), controls);
    expect(seen.processed).toEqual(['a']);
    expect(controls.resolved).toEqual(['0']);
  });
});

describe('batch processor, batch handler', () => {
  it('hands the due records over in one call', async () => {
    const calls: string[][] = [];
    const { process, controls, seen } = setup({
      eachBatch: async (records) => void calls.push(records.map((r) => r.value?.toString() ?? '')),
    });
    await process(batchOf('t', ['a', 'b', 'c']), controls);
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(seen.processed).toEqual(['a', 'b', 'c']);
    expect(controls.resolved).toEqual(['2']);
  });

  it('with BatchRecordError: earlier records processed, the named one dead-lettered, the rest handed over again', async () => {
    const calls: string[][] = [];
    const { process, controls, seen, published } = setup({
      eachBatch: async (records) => {
        calls.push(records.map((r) => r.value?.toString() ?? ''));
        const poison = records.find((r) => r.value?.toString() === 'b');
        if (poison) throw new BatchRecordError(poison, new DecodeError('bad'));
      },
    });
    await process(batchOf('t', ['a', 'b', 'c']), controls);
    expect(calls).toEqual([['a', 'b', 'c'], ['c']]);
    expect(seen).toEqual({ processed: ['a', 'c'], retried: [], deadLettered: ['b'] });
    expect(published.map((p) => p.record.headers?.[DEAD_LETTER_HEADERS.error])).toEqual(['DecodeError']);
    expect(controls.resolved).toEqual(['1', '2']);
  });

  it('when a heartbeat finds the member out of its group: keeps what was done, dead-letters nothing', async () => {
    const { process, controls, seen, published } = setup({
      eachBatch: async (records, context) => {
        // Record a was handled; the heartbeat after b says the partition moved on.
        await context.heartbeat();
        controls.heartbeat = async () => {
          throw Object.assign(new Error('The coordinator is not aware of this member'), {
            type: 'UNKNOWN_MEMBER_ID',
          });
        };
        try {
          await context.heartbeat();
        } catch (error) {
          throw new BatchRecordError(records[1], error);
        }
      },
    });
    await process(batchOf('t', ['a', 'b', 'c']), controls);
    expect(seen).toEqual({ processed: ['a'], retried: [], deadLettered: [] });
    expect(published).toEqual([]);
    // a is done; b and c stay unresolved for the new owner.
    expect(controls.resolved).toEqual(['0']);
  });

  it('with any other error: the failure policy applies to every record of the call', async () => {
    const { process, controls, seen } = setup({
      eachBatch: async () => Promise.reject(new RetriableError('db down')),
    });
    await process(batchOf('t', ['a', 'b']), controls);
    expect(seen.retried).toEqual(['a', 'b']);
    expect(controls.resolved.at(-1)).toBe('1');
  });
});
