import {
  MessageProducer,
  type BatchContext,
  type ConsumedRecord,
  type ConsumerOptions,
  type MessageContext,
  type OutgoingRecord,
  type PublishedBatch,
} from '@smis/messaging';
import { describe, expect, it } from 'vitest';
import { currentLogContext } from '../logging/log-context';
import {
  currentTraceContext,
  extractTraceContext,
  injectTraceHeaders,
  runWithTraceContext,
  traceConsumerOptions,
  tracedBatchHandler,
  tracedHandler,
  traceOutboxWrites,
  traceParentFor,
  tracingProducer,
  type TraceableOutboxEntry,
} from './trace-propagation';
import { childSpan, formatTraceparent, isSampled, parseTraceparent } from './traceparent';

// The example of the W3C Trace Context recommendation.
const EXAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent', () => {
  it('reads and writes the W3C format', () => {
    const context = parseTraceparent(EXAMPLE, 'vendor=opaque');
    expect(context).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: 1,
      traceState: 'vendor=opaque',
    });
    expect(formatTraceparent(context as NonNullable<typeof context>)).toBe(EXAMPLE);
    expect(isSampled(context as NonNullable<typeof context>)).toBe(true);
  });

  it('refuses what the recommendation calls invalid', () => {
    for (const header of [
      undefined,
      '',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      `${EXAMPLE}-extra`,
    ]) {
      expect(parseTraceparent(header)).toBeUndefined();
    }
    // A later version may carry more fields; the first four still count.
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more`)?.flags).toBe(0);
  });

  it('continues a trace with a new span, or starts a sampled one', () => {
    const parent = parseTraceparent(EXAMPLE) as NonNullable<ReturnType<typeof parseTraceparent>>;
    const child = childSpan(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(parent.spanId);
    const root = childSpan();
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(isSampled(root)).toBe(true);
  });
});

class RecordingProducer extends MessageProducer {
  readonly sent: OutgoingRecord[] = [];
  override connect(): Promise<void> {
    return Promise.resolve();
  }
  override async send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    this.sent.push(...records);
    return [{ topic, partition: 0, baseOffset: '0' }];
  }
  override disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

function consumed(
  headers: Record<string, string>,
  key = 'c3d1a3a2-0e2f-4d5b-9a43-3b7f1a1e2d44',
): ConsumedRecord {
  return {
    topic: 't',
    partition: 0,
    offset: '0',
    key,
    value: null,
    headers,
    timestamp: new Date(0),
    attempt: 1,
  };
}

describe('trace context across a Kafka hop', () => {
  it('puts the current trace into the headers on produce and keeps an existing one', async () => {
    const inner = new RecordingProducer();
    const producer = tracingProducer(inner);
    const root = childSpan();
    await runWithTraceContext(root, () =>
      producer.send('t', [
        { value: null, headers: { other: 'x' } },
        { value: null, headers: { traceparent: EXAMPLE } },
      ]),
    );
    const [fresh, republished] = inner.sent;
    const context = extractTraceContext(fresh.headers as Record<string, string>);
    expect(context?.traceId).toBe(root.traceId);
    expect(context?.spanId).not.toBe(root.spanId);
    expect(fresh.headers?.other).toBe('x');
    expect(republished.headers?.traceparent).toBe(EXAMPLE);
    expect(injectTraceHeaders({}, undefined).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('restores it on consume, with the message id in the log context', async () => {
    let seen: { traceId?: string; spanId?: string; messageId?: string; logTraceId?: string } = {};
    const handler = tracedHandler(async () => {
      seen = {
        ...currentTraceContext(),
        messageId: currentLogContext().messageId,
        logTraceId: currentLogContext().traceId,
      };
    });
    await handler(consumed({ traceparent: EXAMPLE }), {} as MessageContext);
    expect(seen.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(seen.spanId).not.toBe('00f067aa0ba902b7');
    expect(seen.logTraceId).toBe(seen.traceId);
    expect(seen.messageId).toBe('c3d1a3a2-0e2f-4d5b-9a43-3b7f1a1e2d44');

    await tracedHandler(async () => {
      seen = { ...currentTraceContext(), messageId: currentLogContext().messageId };
    })(consumed({}, 'not-a-message-id'), {} as MessageContext);
    expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.messageId).toBeUndefined();
    expect(currentTraceContext()).toBeUndefined();
  });
});

const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const FIRST_ID = 'c3d1a3a2-0e2f-4d5b-9a43-3b7f1a1e2d44';
const SECOND_ID = '5f0c9a4e-7d1b-4c2a-8e3f-9b6a2d1c0e77';

function traceIdOf(headers: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return extractTraceContext((headers ?? {}) as Record<string, string>)?.traceId;
}

/** An outbox that keeps what it is given (the real one writes rows in the caller's transaction). */
class RecordingOutbox {
  readonly added: TraceableOutboxEntry[] = [];
  managers: unknown[] = [];
  async add(manager: string, entries: readonly TraceableOutboxEntry[]): Promise<void> {
    this.managers.push(manager);
    this.added.push(...entries);
  }
}

describe('trace context of a batch handler', () => {
  it('continues, per key, the trace of each record of the batch', async () => {
    const inner = new RecordingProducer();
    const producer = tracingProducer(inner);
    const outbox = traceOutboxWrites(new RecordingOutbox());
    let during: ReturnType<typeof currentTraceContext> | 'unset' = 'unset';
    let messageId: string | undefined = 'unset';
    const handler = tracedBatchHandler(async (records) => {
      during = currentTraceContext();
      messageId = currentLogContext().messageId;
      // Written later than the handler's first await, as a use case does.
      await Promise.resolve();
      await producer.send(
        'out',
        records.map((r) => ({ key: r.key, value: null })),
      );
      await outbox.add('tx', [
        { key: SECOND_ID, headers: { other: 'x' } },
        { key: 'unrelated', headers: {} },
        { key: FIRST_ID, headers: { traceparent: OTHER } },
      ]);
    });
    await handler(
      [consumed({ traceparent: EXAMPLE }, FIRST_ID), consumed({ traceparent: OTHER }, SECOND_ID)],
      {} as BatchContext,
    );
    // Two traces in one call: none is the current one, and no single message id.
    expect(during).toBeUndefined();
    expect(messageId).toBeUndefined();
    const [first, second] = inner.sent;
    expect(traceIdOf(first.headers)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf(second.headers)).toBe('0af7651916cd43dd8448eb211c80319c');
    // A new span: not the producer's span of the consumed record.
    expect(extractTraceContext(first.headers as Record<string, string>)?.spanId).not.toBe('00f067aa0ba902b7');

    const [forSecond, unrelated, kept] = outbox.added;
    expect(outbox.managers).toEqual(['tx']);
    expect(forSecond.headers?.other).toBe('x');
    expect(traceIdOf(forSecond.headers)).toBe('0af7651916cd43dd8448eb211c80319c');
    // No record of the batch has that key: a trace of its own.
    expect(traceIdOf(unrelated.headers)).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(unrelated.headers)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf(unrelated.headers)).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(kept.headers?.traceparent).toBe(OTHER);
  });

  it('makes a shared trace current, with the message id in the log context', async () => {
    let seen: { traceId?: string; logTraceId?: string; messageId?: string } = {};
    await tracedBatchHandler(async () => {
      seen = {
        traceId: currentTraceContext()?.traceId,
        logTraceId: currentLogContext().traceId,
        messageId: currentLogContext().messageId,
      };
    })(
      [consumed({ traceparent: EXAMPLE }, FIRST_ID), consumed({ traceparent: EXAMPLE }, FIRST_ID)],
      {} as BatchContext,
    );
    expect(seen).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      logTraceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      messageId: FIRST_ID,
    });
    expect(traceParentFor(FIRST_ID)).toBeUndefined();
  });

  it('lets an explicit trace context win over the batch it runs in', async () => {
    const root = childSpan();
    let parent: ReturnType<typeof traceParentFor>;
    await tracedBatchHandler(async () => {
      parent = runWithTraceContext(root, () => traceParentFor(FIRST_ID));
    })([consumed({ traceparent: EXAMPLE }, FIRST_ID)], {} as BatchContext);
    expect(parent?.traceId).toBe(root.traceId);
  });

  it('traces the handler of consumer options once, whichever kind it is', async () => {
    const seen: (string | undefined)[] = [];
    const common = { groupId: 'g', topics: ['t'] };
    const single = traceConsumerOptions({
      ...common,
      eachMessage: async () => void seen.push(currentTraceContext()?.traceId),
    }) as Extract<ConsumerOptions, { eachMessage: unknown }>;
    const batch = traceConsumerOptions({
      ...common,
      eachBatch: async () => void seen.push(currentTraceContext()?.traceId),
    }) as Extract<ConsumerOptions, { eachBatch: unknown }>;
    await single.eachMessage(consumed({ traceparent: EXAMPLE }), {} as MessageContext);
    await batch.eachBatch([consumed({ traceparent: OTHER })], {} as BatchContext);
    expect(seen).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c']);
    expect(tracedHandler(single.eachMessage)).toBe(single.eachMessage);
    expect(tracedBatchHandler(batch.eachBatch)).toBe(batch.eachBatch);
    expect(traceConsumerOptions(single).eachMessage).toBe(single.eachMessage);
  });

  it('traces an outbox once, and outside any trace gives each entry a new trace', async () => {
    const outbox = new RecordingOutbox();
    expect(traceOutboxWrites(traceOutboxWrites(outbox))).toBe(outbox);
    await outbox.add('tx', [{ key: FIRST_ID, headers: {} }, { key: null }]);
    const [a, b] = outbox.added.map((e) => e.headers?.traceparent);
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(b).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceIdOf({ traceparent: a })).not.toBe(traceIdOf({ traceparent: b }));
    // Wrapped once: each entry has exactly one traceparent, set once.
    expect(outbox.added).toHaveLength(2);
  });
});
