import { AsyncLocalStorage } from 'node:async_hooks';
import {
  MessageProducer,
  type BatchContext,
  type BatchHandler,
  type ConsumedRecord,
  type ConsumerOptions,
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
/**
 * While a batch handler runs: the span of each consumed record, by key. Records written for a
 * key of the batch (on these topics the key is the messageId) continue that record's trace.
 */
const batchStorage = new AsyncLocalStorage<ReadonlyMap<string, TraceContext>>();

/** The trace context of the code running now, if any. */
export function currentTraceContext(): TraceContext | undefined {
  return storage.getStore();
}

function keyText(key: string | Buffer | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined;
  return typeof key === 'string' ? key : key.toString('utf8');
}

/**
 * The trace a record about to be written with `key` belongs to: the trace of the record with the
 * same key in the batch being handled, else the current trace context (`undefined`: none, the
 * record starts a trace).
 */
export function traceParentFor(key?: string | Buffer | null): TraceContext | undefined {
  const text = keyText(key);
  return (text === undefined ? undefined : batchStorage.getStore()?.get(text)) ?? currentTraceContext();
}

const NO_BATCH: ReadonlyMap<string, TraceContext> = new Map();

function enter<T>(context: TraceContext, work: () => T): T {
  return storage.run(context, () =>
    runWithLogContext({ traceId: context.traceId, spanId: context.spanId }, work),
  );
}

/** Runs `work` in `context`; log lines written meanwhile carry its trace and span ids. */
export function runWithTraceContext<T>(context: TraceContext, work: () => T): T {
  return batchStorage.run(NO_BATCH, () => enter(context, work));
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
  return { ...headers, ...traceHeaders(parent) };
}

/** `traceparent` (and `tracestate`) for a new span of `parent`, or of a new trace. */
export function traceHeaders(parent: TraceContext | undefined): Record<string, string> {
  const span = childSpan(parent);
  return {
    [TRACEPARENT_HEADER]: formatTraceparent(span),
    ...(span.traceState ? { [TRACESTATE_HEADER]: span.traceState } : {}),
  };
}

/** What `traceOutboxWrites` needs of an outbox entry (`OutboxEntry` of @smis/persistence). */
export interface TraceableOutboxEntry {
  key: string | null;
  headers?: Record<string, string>;
}

/** What `traceOutboxWrites` needs of an outbox (`Outbox` of @smis/persistence). */
export interface TraceableOutbox {
  add(manager: never, entries: readonly TraceableOutboxEntry[]): Promise<void>;
}

const tracedOutboxes = new WeakSet<object>();

/**
 * Makes `outbox.add` store trace context in the headers of the entries it writes, as
 * `TracingProducer` does at publish time: the entry's key's record in the batch being handled,
 * else the current trace, else a new trace. The relay publishes later, outside the work that
 * wrote the entries; the `traceparent` it finds in the row is kept. Entries that already carry
 * one keep it. Applying it twice to one outbox changes nothing.
 */
export function traceOutboxWrites<O extends TraceableOutbox>(outbox: O): O {
  if (tracedOutboxes.has(outbox)) return outbox;
  tracedOutboxes.add(outbox);
  const add = outbox.add.bind(outbox) as (
    manager: unknown,
    entries: readonly TraceableOutboxEntry[],
  ) => Promise<void>;
  const traced = (manager: unknown, entries: readonly TraceableOutboxEntry[]): Promise<void> =>
    add(
      manager,
      entries.map((entry) =>
        entry.headers?.[TRACEPARENT_HEADER] !== undefined
          ? entry
          : { ...entry, headers: { ...entry.headers, ...traceHeaders(traceParentFor(entry.key)) } },
      ),
    );
  (outbox as { add: unknown }).add = traced;
  return outbox;
}

/** The trace context a consumed record carries, if it carries a valid one. */
export function extractTraceContext(headers: Readonly<Record<string, string>>): TraceContext | undefined {
  return parseTraceparent(headers[TRACEPARENT_HEADER], headers[TRACESTATE_HEADER]);
}

/**
 * A producer that puts trace context into the headers of every record it publishes: a new span
 * of the trace of the record being handled for the same key (`traceParentFor`), else of the
 * current trace, else of a new trace. A record that already carries a `traceparent` keeps it.
 */
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
      records.map((record) => ({
        ...record,
        headers: injectTraceHeaders(record.headers, traceParentFor(record.key)),
      })),
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

function messageIdReader(options: TracedHandlerOptions): (record: ConsumedRecord) => string | undefined {
  return (
    options.messageId ??
    ((record: ConsumedRecord) => (record.key && UUID.test(record.key) ? record.key : undefined))
  );
}

/** Handlers already wrapped: wrapping one again would only add a span. */
const tracedHandlers = new WeakSet<object>();

/**
 * Wraps a consumer handler so it runs in the trace context the record carries (as a new span of
 * that trace, or a new trace) and with `messageId` in the log context: everything it logs and
 * publishes is correlated with the message across Kafka hops.
 */
export function tracedHandler(handler: MessageHandler, options: TracedHandlerOptions = {}): MessageHandler {
  if (tracedHandlers.has(handler)) return handler;
  const messageIdOf = messageIdReader(options);
  const traced: MessageHandler = (record: ConsumedRecord, context: MessageContext) => {
    const span = childSpan(extractTraceContext(record.headers));
    const messageId = messageIdOf(record);
    return runWithTraceContext(span, () =>
      runWithLogContext(messageId ? { messageId } : {}, () => handler(record, context)),
    );
  };
  tracedHandlers.add(traced);
  return traced;
}

/**
 * Wraps a batch handler: each record becomes a new span of the trace it carries (or of a new
 * trace), and what the handler writes for a record's key (records and outbox entries, whose key
 * on the platform's topics is the messageId) continues that record's trace. When the records of
 * the call share one trace, it is also the current trace context (log lines carry its ids); when
 * they share one message, `messageId` is in the log context.
 */
export function tracedBatchHandler(handler: BatchHandler, options: TracedHandlerOptions = {}): BatchHandler {
  if (tracedHandlers.has(handler)) return handler;
  const messageIdOf = messageIdReader(options);
  const traced: BatchHandler = (records: readonly ConsumedRecord[], context: BatchContext) => {
    const spans = records.map((record) => childSpan(extractTraceContext(record.headers)));
    const byKey = new Map<string, TraceContext>();
    records.forEach((record, i) => {
      if (record.key !== null && !byKey.has(record.key)) byKey.set(record.key, spans[i]);
    });
    const messageIds = new Set(records.map(messageIdOf));
    const [messageId] = messageIds;
    const fields = messageIds.size === 1 && messageId ? { messageId } : {};
    const shared = spans.length > 0 && spans.every((s) => s.traceId === spans[0].traceId);
    const work = (): Promise<void> => runWithLogContext(fields, () => handler(records, context));
    // Several traces: none is the current one (what is written for another key starts a trace).
    return batchStorage.run(byKey, () => (shared ? enter(spans[0], work) : storage.exit(work)));
  };
  tracedHandlers.add(traced);
  return traced;
}

/** Consumer options whose handler (`eachMessage` or `eachBatch`) is traced. */
export function traceConsumerOptions(
  options: ConsumerOptions,
  handlerOptions: TracedHandlerOptions = {},
): ConsumerOptions {
  return options.eachBatch
    ? { ...options, eachBatch: tracedBatchHandler(options.eachBatch, handlerOptions) }
    : { ...options, eachMessage: tracedHandler(options.eachMessage, handlerOptions) };
}
