import { AsyncLocalStorage } from 'node:async_hooks';
import {
  MessageProducer,
  type ConsumedRecord,
  type HeaderValue,
  type MessageContext,
  type MessageHandler,
  type OutgoingRecord,
  type PublishedBatch,
} from '@smis/messaging';
import { runWithLogContext } from '../logging/log-context';
import {
  childSpan,
  formatTraceparent,
  parseTraceparent,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type TraceContext,
} from './traceparent';

const storage = new AsyncLocalStorage<TraceContext>();

/** The trace context of the code running now, if any. */
export function currentTraceContext(): TraceContext | undefined {
  return storage.getStore();
}

/** Runs `work` in `context`; log lines written meanwhile carry its trace and span ids. */
export function runWithTraceContext<T>(context: TraceContext, work: () => T): T {
  return storage.run(context, () =>
    runWithLogContext({ traceId: context.traceId, spanId: context.spanId }, work),
  );
}

/**
 * Headers for a record about to be published: the given ones plus `traceparent` (a new span in
 * the current trace, or a new trace) and `tracestate`. An existing `traceparent` is kept: the
 * record is being republished (retry, dead letter, replay) and belongs to its original trace.
 */
export function injectTraceHeaders(
  headers: Readonly<Record<string, HeaderValue>> = {},
  parent: TraceContext | undefined = currentTraceContext(),
): Record<string, HeaderValue> {
  if (headers[TRACEPARENT_HEADER] !== undefined) return { ...headers };
  const span = childSpan(parent);
  return {
    ...headers,
    [TRACEPARENT_HEADER]: formatTraceparent(span),
    ...(span.traceState ? { [TRACESTATE_HEADER]: span.traceState } : {}),
  };
}

/** The trace context a consumed record carries, if it carries a valid one. */
export function extractTraceContext(headers: Readonly<Record<string, string>>): TraceContext | undefined {
  return parseTraceparent(headers[TRACEPARENT_HEADER], headers[TRACESTATE_HEADER]);
}

/** A producer that puts the current trace context into the headers of every record it publishes. */
export class TracingProducer extends MessageProducer {
  constructor(private readonly inner: MessageProducer) {
    super();
  }
  override connect(): Promise<void> {
    return this.inner.connect();
  }
  override send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    return this.inner.send(
      topic,
      records.map((record) => ({ ...record, headers: injectTraceHeaders(record.headers) })),
    );
  }
  override disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}

export function tracingProducer(producer: MessageProducer): MessageProducer {
  return new TracingProducer(producer);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TracedHandlerOptions {
  /** Which message a record is about, for the log context (default: a UUID key). */
  messageId?: (record: ConsumedRecord) => string | undefined;
}

/**
 * Wraps a consumer handler so it runs in the trace context the record carries (as a new span of
 * that trace, or a new trace) and with `messageId` in the log context: everything it logs and
 * publishes is correlated with the message across Kafka hops.
 */
export function tracedHandler(handler: MessageHandler, options: TracedHandlerOptions = {}): MessageHandler {
  const messageIdOf =
    options.messageId ??
    ((record: ConsumedRecord) => (record.key && UUID.test(record.key) ? record.key : undefined));
  return (record: ConsumedRecord, context: MessageContext) => {
    const span = childSpan(extractTraceContext(record.headers));
    const messageId = messageIdOf(record);
    return runWithTraceContext(span, () =>
      runWithLogContext(messageId ? { messageId } : {}, () => handler(record, context)),
    );
  };
}
