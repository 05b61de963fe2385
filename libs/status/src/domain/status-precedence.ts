import type { Channel, DeliveryEvent, DeliveryStatus } from '@smis/contracts';

/**
 * Precedence of delivery statuses: how the status service folds a message's events, which
 * arrive in any order and possibly more than once, into one status per message and one per
 * channel. See docs/adr/0800-status-precedence.md.
 *
 * 1. Progress has a rank: ACCEPTED < DEFERRED < ROUTED < DISPATCHED < DELIVERED < READ.
 *    An aggregate only moves to a higher rank, so a late DISPATCHED never hides a READ.
 * 2. REJECTED, EXPIRED and FAILED are terminal: they outrank every in-flight status
 *    (ACCEPTED..DISPATCHED), so a late ROUTED or DISPATCHED never revives a failed channel.
 * 3. Evidence of arrival outranks a verdict of failure: DELIVERED and READ come from the
 *    handset or the app, a failure is a conclusion that can be premature (a push provider timing
 *    out after the device got the message), so DELIVERED/READ win; the failure stays in history.
 * 4. Between terminal verdicts: FAILED < EXPIRED < REJECTED (the wider verdict wins: a channel's
 *    failure, the message's expiry, the code of conduct's refusal).
 * 5. A failure scoped to a channel (FAILED, EXPIRED, REJECTED with a channel) is that channel's
 *    only: the router may still fall back to another channel. The message as a whole is failed,
 *    expired or rejected by an event with no channel (the router's verdict on the message).
 *    Progress on any channel (ROUTED..READ) is progress of the message.
 * 6. FALLBACK is a transition, not a state: it is kept in the history and listed as a fallback,
 *    and changes no aggregate. UNKNOWN (a status added in a later schema) is history only.
 * 7. The same status reached twice (two DISPATCHED attempts): the earliest occurrence stands
 *    (then the smaller eventId), so the result never depends on the order of arrival.
 */

/** Statuses an aggregate can hold. */
export type AggregateStatus = Exclude<DeliveryStatus, 'FALLBACK' | 'UNKNOWN'>;

export const STATUS_RANK: Readonly<Record<AggregateStatus, number>> = Object.freeze({
  ACCEPTED: 10,
  DEFERRED: 20,
  ROUTED: 30,
  DISPATCHED: 40,
  FAILED: 50,
  EXPIRED: 60,
  REJECTED: 70,
  DELIVERED: 80,
  READ: 90,
});

/** Verdicts that end a channel's (or, without a channel, the message's) progress. */
export const TERMINAL_FAILURES: ReadonlySet<AggregateStatus> = new Set(['FAILED', 'EXPIRED', 'REJECTED']);

const CHANNEL_SCOPED_ONLY: ReadonlySet<AggregateStatus> = TERMINAL_FAILURES;

export function isAggregateStatus(status: string): status is AggregateStatus {
  return Object.prototype.hasOwnProperty.call(STATUS_RANK, status);
}

/** Where an aggregate stands: the status and the event that brought it there. */
export interface StatusPosition {
  status: AggregateStatus;
  reason: string | null;
  /** Epoch milliseconds. */
  occurredAt: number;
  eventId: string;
}

/** Whether `candidate` replaces `current`: a strict total order, so any arrival order gives one result. */
export function supersedes(candidate: StatusPosition, current: StatusPosition | null | undefined): boolean {
  if (!current) return true;
  const byRank = STATUS_RANK[candidate.status] - STATUS_RANK[current.status];
  if (byRank !== 0) return byRank > 0;
  if (candidate.occurredAt !== current.occurredAt) return candidate.occurredAt < current.occurredAt;
  return candidate.eventId < current.eventId;
}

export interface FallbackTransition {
  from: Channel | null;
  to: Channel | null;
  reason: string | null;
  occurredAt: number;
  eventId: string;
}

/** What one event may change: the message's status, one channel's status, or a fallback transition. */
export interface EventEffect {
  message?: StatusPosition;
  channel?: { channel: Channel; position: StatusPosition };
  fallback?: FallbackTransition;
}

export type StatusEventFacts = Pick<
  DeliveryEvent,
  'eventId' | 'status' | 'channel' | 'reason' | 'fromChannel' | 'toChannel' | 'occurredAt'
>;

export function effectOf(event: StatusEventFacts): EventEffect {
  if (event.status === 'FALLBACK') {
    return {
      fallback: {
        from: event.fromChannel,
        to: event.toChannel,
        reason: event.reason,
        occurredAt: event.occurredAt,
        eventId: event.eventId,
      },
    };
  }
  if (!isAggregateStatus(event.status)) return {};
  const position: StatusPosition = {
    status: event.status,
    reason: event.reason,
    occurredAt: event.occurredAt,
    eventId: event.eventId,
  };
  if (event.channel === null) return { message: position };
  const channel = { channel: event.channel, position };
  return CHANNEL_SCOPED_ONLY.has(event.status) ? { channel } : { channel, message: position };
}

/** A message's aggregate, as the fold of its events. */
export interface MessageAggregate {
  message: StatusPosition | null;
  channels: Partial<Record<Channel, StatusPosition>>;
  fallbacks: FallbackTransition[];
}

/** Applies one event; returns what changed (the caller persists exactly that). */
export function applyEvent(
  aggregate: MessageAggregate,
  event: StatusEventFacts,
): { message: boolean; channel: Channel | null; fallback: boolean } {
  const effect = effectOf(event);
  const changed = { message: false, channel: null as Channel | null, fallback: false };
  if (effect.message && supersedes(effect.message, aggregate.message)) {
    aggregate.message = effect.message;
    changed.message = true;
  }
  if (effect.channel && supersedes(effect.channel.position, aggregate.channels[effect.channel.channel])) {
    aggregate.channels[effect.channel.channel] = effect.channel.position;
    changed.channel = effect.channel.channel;
  }
  if (effect.fallback && !aggregate.fallbacks.some((f) => f.eventId === event.eventId)) {
    aggregate.fallbacks.push(effect.fallback);
    aggregate.fallbacks.sort(byOccurrence);
    changed.fallback = true;
  }
  return changed;
}

/** Folds events (any order, duplicates allowed) into the aggregate. */
export function foldEvents(events: Iterable<StatusEventFacts>): MessageAggregate {
  const aggregate: MessageAggregate = { message: null, channels: {}, fallbacks: [] };
  for (const event of events) applyEvent(aggregate, event);
  return aggregate;
}

/** History order: when it happened, then eventId (deterministic for equal instants). */
export function byOccurrence(
  a: { occurredAt: number; eventId: string },
  b: { occurredAt: number; eventId: string },
): number {
  return a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
