import {
  MessageProducer,
  type ConsumedRecord,
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
  tracedHandler,
  tracingProducer,
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
