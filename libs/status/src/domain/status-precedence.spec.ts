import type { Channel, DeliveryStatus } from '@smis/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  effectOf,
  foldEvents,
  STATUS_RANK,
  supersedes,
  type StatusEventFacts,
  type StatusPosition,
} from './status-precedence';

let counter = 0;
function event(
  status: DeliveryStatus,
  channel: Channel | null,
  occurredAt: number,
  extra: Partial<StatusEventFacts> = {},
): StatusEventFacts {
  counter += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    status,
    channel,
    reason: null,
    fromChannel: null,
    toChannel: null,
    occurredAt,
    ...extra,
  };
}

const position = (status: StatusPosition['status'], occurredAt = 0, eventId = 'a'): StatusPosition => ({
  status,
  reason: null,
  occurredAt,
  eventId,
});

describe('status precedence', () => {
  it('ranks progress ACCEPTED < DEFERRED < ROUTED < DISPATCHED < DELIVERED < READ', () => {
    const progress = ['ACCEPTED', 'DEFERRED', 'ROUTED', 'DISPATCHED', 'DELIVERED', 'READ'] as const;
    for (let i = 1; i < progress.length; i++) {
      expect(supersedes(position(progress[i]), position(progress[i - 1]))).toBe(true);
      expect(supersedes(position(progress[i - 1]), position(progress[i]))).toBe(false);
    }
  });

  it('lets terminal failures end in-flight progress but not evidence of arrival', () => {
    for (const failure of ['FAILED', 'EXPIRED', 'REJECTED'] as const) {
      for (const inFlight of ['ACCEPTED', 'DEFERRED', 'ROUTED', 'DISPATCHED'] as const) {
        expect(supersedes(position(failure), position(inFlight))).toBe(true);
        expect(supersedes(position(inFlight), position(failure))).toBe(false);
      }
      expect(supersedes(position('DELIVERED'), position(failure))).toBe(true);
      expect(supersedes(position(failure), position('READ'))).toBe(false);
    }
    expect(STATUS_RANK.FAILED).toBeLessThan(STATUS_RANK.EXPIRED);
    expect(STATUS_RANK.EXPIRED).toBeLessThan(STATUS_RANK.REJECTED);
  });

  it('keeps the earliest occurrence of a status reached twice, whatever arrives first', () => {
    const early = position('DISPATCHED', 100, 'b');
    const late = position('DISPATCHED', 200, 'a');
    expect(supersedes(early, late)).toBe(true);
    expect(supersedes(late, early)).toBe(false);
    expect(supersedes(position('DISPATCHED', 100, 'a'), early)).toBe(true);
    expect(supersedes(early, early)).toBe(false);
  });

  it('keeps a channel failure on the channel and a message verdict on the message', () => {
    expect(effectOf(event('FAILED', 'APP', 1))).toEqual({
      channel: { channel: 'APP', position: expect.objectContaining({ status: 'FAILED' }) },
    });
    expect(effectOf(event('DELIVERED', 'SMS', 1))).toEqual({
      channel: { channel: 'SMS', position: expect.objectContaining({ status: 'DELIVERED' }) },
      message: expect.objectContaining({ status: 'DELIVERED' }),
    });
    expect(effectOf(event('EXPIRED', null, 1))).toEqual({
      message: expect.objectContaining({ status: 'EXPIRED' }),
    });
    expect(effectOf(event('FALLBACK', null, 1, { fromChannel: 'APP', toChannel: 'SMS' }))).toEqual({
      fallback: expect.objectContaining({ from: 'APP', to: 'SMS' }),
    });
    expect(effectOf(event('UNKNOWN', 'APP', 1))).toEqual({});
  });

  it('folds a fallback from the app to SMS into a delivered message', () => {
    const events = [
      event('ACCEPTED', null, 1),
      event('ROUTED', 'APP', 2),
      event('DISPATCHED', 'APP', 3),
      event('FALLBACK', null, 4, {
        fromChannel: 'APP',
        toChannel: 'SMS',
        reason: 'app.not-delivered-in-window',
      }),
      event('FAILED', 'APP', 4, { reason: 'app.not-delivered-in-window' }),
      event('ROUTED', 'SMS', 5),
      event('DISPATCHED', 'SMS', 6),
      event('DELIVERED', 'SMS', 7),
    ];
    const aggregate = foldEvents([...events].reverse());
    expect(aggregate.message?.status).toBe('DELIVERED');
    expect(aggregate.channels.APP?.status).toBe('FAILED');
    expect(aggregate.channels.APP?.reason).toBe('app.not-delivered-in-window');
    expect(aggregate.channels.SMS?.status).toBe('DELIVERED');
    expect(aggregate.fallbacks).toEqual([
      expect.objectContaining({ from: 'APP', to: 'SMS', reason: 'app.not-delivered-in-window' }),
    ]);
  });

  it('gives the same aggregate for every order and duplication of the same events', () => {
    const statuses: DeliveryStatus[] = [
      'ACCEPTED',
      'REJECTED',
      'DEFERRED',
      'ROUTED',
      'DISPATCHED',
      'DELIVERED',
      'READ',
      'FAILED',
      'FALLBACK',
      'EXPIRED',
      'UNKNOWN',
    ];
    const anEvent = fc.record({
      eventId: fc.uuid(),
      status: fc.constantFrom(...statuses),
      channel: fc.constantFrom<Channel | null>(null, 'APP', 'SMS', 'EMAIL'),
      reason: fc.constantFrom<string | null>(null, 'r1', 'r2'),
      fromChannel: fc.constantFrom<Channel | null>(null, 'APP'),
      toChannel: fc.constantFrom<Channel | null>(null, 'SMS'),
      // Few distinct instants, so ties on time are common.
      occurredAt: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(anEvent, { selector: (e) => e.eventId, minLength: 1, maxLength: 12 }),
        fc.func(fc.integer()),
        fc.array(fc.nat(), { maxLength: 6 }),
        (events, sortKey, duplicates) => {
          const reference = foldEvents(events);
          const shuffled = [...events].sort((a, b) => sortKey(a.eventId) - sortKey(b.eventId));
          for (const index of duplicates) shuffled.push(events[index % events.length]);
          expect(foldEvents(shuffled)).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never moves an aggregate back: each applied event leaves a rank at least as high', () => {
    const aggregate = foldEvents([]);
    const ranks: number[] = [];
    for (const e of [
      event('READ', 'APP', 9),
      event('DELIVERED', 'APP', 8),
      event('DISPATCHED', 'APP', 7),
      event('FAILED', 'APP', 10, { reason: 'app.push-rejected' }),
      event('ACCEPTED', null, 1),
    ]) {
      applyEvent(aggregate, e);
      ranks.push(STATUS_RANK[aggregate.channels.APP?.status ?? 'ACCEPTED']);
    }
    expect(ranks).toEqual([90, 90, 90, 90, 90]);
    expect(aggregate.channels.APP?.eventId).toBe(aggregate.message?.eventId);
    expect(aggregate.message?.status).toBe('READ');
  });
});
