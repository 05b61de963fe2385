import { randomFillSync } from 'node:crypto';

/**
 * A W3C Trace Context (https://www.w3.org/TR/trace-context/): which trace a piece of work belongs
 * to and which span caused it. The header format is the standard one, so an OpenTelemetry SDK
 * added later reads and continues these traces unchanged (see docs/adr/1201-*).
 */
export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero: the span this context stands for. */
  spanId: string;
  /** Trace flags; bit 0 is `sampled`. */
  flags: number;
  /** The vendor `tracestate` header, passed on untouched. */
  traceState?: string;
}

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const SAMPLED = 0x01;

/** Reads a `traceparent` header; `undefined` when it is absent or invalid (the spec says: start a new trace). */
export function parseTraceparent(header: string | undefined, traceState?: string): TraceContext | undefined {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has exactly four fields; later versions may add fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16), ...(traceState ? { traceState } : {}) };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.flags & 0xff).toString(16).padStart(2, '0')}`;
}

// Ids are cut from a pool the CSPRNG fills 4 KiB at a time (as Node's randomUUID does): one
// system call per 256 spans instead of one per id.
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function randomHex(bytes: number, zero: string): string {
  for (;;) {
    if (poolOffset + bytes > POOL.length) {
      randomFillSync(POOL);
      poolOffset = 0;
    }
    const hex = POOL.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (hex !== zero) return hex;
  }
}

/** A new span: in the trace of `parent` (its sampling decision and state), or the root of a new, sampled trace. */
export function childSpan(parent?: TraceContext): TraceContext {
  return {
    traceId: parent?.traceId ?? randomHex(16, ZERO_TRACE),
    spanId: randomHex(8, ZERO_SPAN),
    flags: parent?.flags ?? SAMPLED,
    ...(parent?.traceState ? { traceState: parent.traceState } : {}),
  };
}

export function isSampled(context: TraceContext): boolean {
  return (context.flags & SAMPLED) === SAMPLED;
}
