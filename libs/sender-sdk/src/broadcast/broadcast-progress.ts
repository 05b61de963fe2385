import { setTimeout as delay } from 'node:timers/promises';
import { BroadcastNotFoundError, SenderSdkError, TransportError } from '../errors';

export type BroadcastState =
  'RECEIVING_LIST' | 'SCHEDULED' | 'RUNNING' | 'DONE' | 'CANCELLED' | 'EXPIRED' | 'REJECTED';

const STATES: readonly BroadcastState[] = [
  'RECEIVING_LIST',
  'SCHEDULED',
  'RUNNING',
  'DONE',
  'CANCELLED',
  'EXPIRED',
  'REJECTED',
];

/** States a broadcast does not leave. DONE: every push went out (deliveries and reads still come in). */
export const FINAL_BROADCAST_STATES: readonly BroadcastState[] = ['DONE', 'CANCELLED', 'EXPIRED', 'REJECTED'];

export function isFinalBroadcastState(state: BroadcastState): boolean {
  return FINAL_BROADCAST_STATES.includes(state);
}

/** A broadcast's state, schedule and aggregated progress, as `GET /v1/broadcast/broadcasts/{id}` answers. */
export interface BroadcastView {
  readonly broadcastId: string;
  readonly senderId: string;
  readonly state: BroadcastState;
  /** Why it was REJECTED, CANCELLED or EXPIRED (`broadcast.cancelled`, `broadcast.category-not-allowed`, …). */
  readonly reason: string | null;
  readonly audience: 'EVERYONE' | 'REGIONS' | 'LIST';
  readonly category: string;
  readonly priority: string;
  /** LIST: recipients received so far. */
  readonly listRecipients: number;
  /** Active devices in the audience (known once it runs). */
  readonly devicesTargeted: number;
  /** Provider topic messages (FCM): each reaches every subscribed device. */
  readonly topicMessages: number;
  /** Per-device pushes sent and failed. */
  readonly pushesSent: number;
  readonly pushesFailed: number;
  /** Devices that fetched it, and that opened it. */
  readonly delivered: number;
  readonly read: number;
  /** ISO 8601: when it starts (after quiet hours unless URGENT), expires, finished. */
  readonly notBefore: string;
  readonly expiresAt: string;
  readonly finishedAt: string | null;
}

const COUNTERS = [
  'listRecipients',
  'devicesTargeted',
  'topicMessages',
  'pushesSent',
  'pushesFailed',
  'delivered',
  'read',
] as const;

/** The platform's answer as a BroadcastView; TransportError when it is not one. */
export function parseBroadcastView(body: unknown): BroadcastView {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new TransportError(
      'broadcasts/{id}',
      `the platform answered something that is not a broadcast view (${what})`,
      false,
    );
  };
  if (typeof b.broadcastId !== 'string') bad('broadcastId');
  if (!STATES.includes(b.state as BroadcastState)) bad('state');
  const counters = Object.fromEntries(
    COUNTERS.map((name) => {
      const value = Number(b[name] ?? 0);
      if (!Number.isFinite(value) || value < 0) bad(name);
      return [name, value];
    }),
  ) as Record<(typeof COUNTERS)[number], number>;
  const text = (name: string): string => (typeof b[name] === 'string' ? (b[name] as string) : '');
  return {
    broadcastId: b.broadcastId as string,
    senderId: text('senderId'),
    state: b.state as BroadcastState,
    reason: typeof b.reason === 'string' ? b.reason : null,
    audience: (text('audience') || 'EVERYONE') as BroadcastView['audience'],
    category: text('category'),
    priority: text('priority'),
    ...counters,
    notBefore: text('notBefore'),
    expiresAt: text('expiresAt'),
    finishedAt: typeof b.finishedAt === 'string' ? b.finishedAt : null,
  };
}

export interface WatchBroadcastOptions {
  /** Between two questions to the platform (default 1 s). */
  readonly intervalMs?: number;
  /**
   * How long a broadcast the platform does not know yet is waited for (default 30 s): one just
   * published is taken in asynchronously. After that: BroadcastNotFoundError.
   */
  readonly notFoundGraceMs?: number;
  /** Retriable failures (network, 5xx) in a row before giving up (default 5). */
  readonly maxConsecutiveFailures?: number;
  /** Stops following: the iteration ends (without error) at the next question. */
  readonly signal?: AbortSignal;
}

export const WATCH_BROADCAST_DEFAULTS = Object.freeze({
  intervalMs: 1_000,
  notFoundGraceMs: 30_000,
  maxConsecutiveFailures: 5,
});

/**
 * The views of one broadcast as they change: the first one, then each that differs (state or a
 * counter), ending after the first view in a final state, or when `signal` aborts.
 */
export async function* followBroadcast(
  fetchView: () => Promise<BroadcastView>,
  options: WatchBroadcastOptions = {},
  now: () => number = Date.now,
): AsyncGenerator<BroadcastView, void, undefined> {
  const intervalMs = options.intervalMs ?? WATCH_BROADCAST_DEFAULTS.intervalMs;
  const graceMs = options.notFoundGraceMs ?? WATCH_BROADCAST_DEFAULTS.notFoundGraceMs;
  const maxFailures = options.maxConsecutiveFailures ?? WATCH_BROADCAST_DEFAULTS.maxConsecutiveFailures;
  const started = now();
  let previous: string | undefined;
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted) return;
    let view: BroadcastView | undefined;
    try {
      view = await fetchView();
      failures = 0;
    } catch (error) {
      if (error instanceof BroadcastNotFoundError) {
        if (now() - started >= graceMs) throw error;
      } else if (error instanceof SenderSdkError && error.retriable && ++failures < maxFailures) {
        // Asked again after the interval.
      } else throw error;
    }
    if (view) {
      const key = JSON.stringify([view.state, view.reason, ...COUNTERS.map((c) => view[c])]);
      if (key !== previous) {
        previous = key;
        yield view;
      }
      if (isFinalBroadcastState(view.state)) return;
    }
    try {
      await delay(intervalMs, undefined, { signal: options.signal });
    } catch {
      return; // aborted
    }
  }
}
