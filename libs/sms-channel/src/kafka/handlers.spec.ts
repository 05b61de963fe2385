import { createAvroCodec, type DeliveryEvent } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  RetriableError,
  type BatchContext,
  type ConsumedRecord,
} from '@smis/messaging';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CountAvoidedSmsUseCase } from '../usecases/count-avoided-sms/count-avoided-sms.usecase';
import { avoidedSmsEventsHandler, waveDecodingHandler } from './handlers';

const codec = createAvroCodec();
const context: BatchContext = {
  groupId: 'smis-sms-channel-events',
  deliveredFrom: { topic: 'smis.events.v1', partition: 0 },
  heartbeat: async () => undefined,
};

function event(overrides: Partial<DeliveryEvent> = {}): DeliveryEvent {
  return {
    eventId: randomUUID(),
    messageId: randomUUID(),
    senderId: 'tax-office',
    status: 'DELIVERED',
    channel: 'APP',
    reason: null,
    fromChannel: null,
    toChannel: null,
    deviceId: 'device-1',
    planId: null,
    attempt: 1,
    occurredAt: 1_800_000_000_000,
    producer: 'app-channel',
    ...overrides,
  };
}

let offset = 0;
const record = (value: Buffer | null): ConsumedRecord => ({
  topic: 'smis.events.v1',
  partition: 0,
  offset: String(offset++),
  key: null,
  value,
  headers: {},
  timestamp: new Date(),
  attempt: 1,
});
const encoded = async (e: DeliveryEvent) => record(await codec.encode('DeliveryEvent', e));

function fakeUseCase(failOn?: (e: DeliveryEvent) => boolean) {
  const calls: Array<{ kind: 'batch' | 'one'; messageIds: string[] }> = [];
  const counted: string[] = [];
  const useCase = {
    async executeBatch(events: readonly DeliveryEvent[]) {
      calls.push({ kind: 'batch', messageIds: events.map((e) => e.messageId) });
      if (failOn && events.some(failOn)) throw new Error('invalid input syntax for type uuid');
      counted.push(...events.map((e) => e.messageId));
      return events.length;
    },
    async execute(e: DeliveryEvent) {
      calls.push({ kind: 'one', messageIds: [e.messageId] });
      if (failOn?.(e)) throw new Error('invalid input syntax for type uuid');
      counted.push(e.messageId);
      return 'counted' as const;
    },
  };
  return { useCase: useCase as unknown as CountAvoidedSmsUseCase, calls, counted };
}

describe('avoidedSmsEventsHandler', () => {
  it('skips the events of no interest without asking the database', async () => {
    const fake = fakeUseCase();
    const records = await Promise.all(
      [
        event({ status: 'ACCEPTED', channel: null }),
        event({ status: 'ROUTED' }),
        event({ status: 'DISPATCHED' }),
        event({ channel: 'SMS' }),
      ].map(encoded),
    );
    await avoidedSmsEventsHandler(codec, fake.useCase)(records, context);
    expect(fake.calls).toEqual([]);
  });

  it('counts the app deliveries of a batch in one call', async () => {
    const fake = fakeUseCase();
    const wanted = [event(), event()];
    const records = await Promise.all([wanted[0], event({ status: 'READ' }), wanted[1]].map(encoded));
    await avoidedSmsEventsHandler(codec, fake.useCase)(records, context);
    expect(fake.calls).toEqual([{ kind: 'batch', messageIds: wanted.map((e) => e.messageId) }]);
  });

  it('counts what comes before an undecodable event, then names it alone', async () => {
    const fake = fakeUseCase();
    const before = [event(), event()];
    const after = event();
    const garbage = record(Buffer.from('not an avro record'));
    const records = [...(await Promise.all(before.map(encoded))), garbage, await encoded(after)];
    const failure = await avoidedSmsEventsHandler(codec, fake.useCase)(records, context).catch((e) => e);
    expect(failure).toBeInstanceOf(BatchRecordError);
    expect((failure as BatchRecordError).record.offset).toBe(garbage.offset);
    expect((failure as BatchRecordError).cause).toBeInstanceOf(DecodeError);
    expect(fake.counted).toEqual(before.map((e) => e.messageId));
  });

  it('counts one by one when counting together fails, naming the event that fails', async () => {
    const bad = event({ messageId: 'not-a-uuid' });
    const good = [event(), event()];
    const fake = fakeUseCase((e) => e.messageId === bad.messageId);
    const records = await Promise.all([good[0], bad, good[1]].map(encoded));
    const failure = await avoidedSmsEventsHandler(codec, fake.useCase)(records, context).catch((e) => e);
    expect(failure).toBeInstanceOf(BatchRecordError);
    expect((failure as BatchRecordError).record.offset).toBe(records[1].offset);
    expect(fake.counted).toEqual([good[0].messageId]);
    expect(fake.calls.map((c) => c.kind)).toEqual(['batch', 'one', 'one']);
  });
});

describe('waveDecodingHandler (SMS jobs)', () => {
  /** A wave handled as the submission engine does: each value's outcome, settled, in order. */
  const together =
    (handle: (e: DeliveryEvent) => Promise<void>) =>
    (values: DeliveryEvent[]): Promise<PromiseSettledResult<unknown>[]> =>
      Promise.allSettled(values.map(handle));

  /** A handle that records what ran and how many ran at once; `gate` holds each until released. */
  function tracked(fail?: (e: DeliveryEvent) => Error | undefined, delayMs?: (e: DeliveryEvent) => number) {
    const state = { running: 0, maxRunning: 0, handled: [] as string[] };
    const handle = async (e: DeliveryEvent) => {
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      await new Promise((resolve) => setTimeout(resolve, delayMs?.(e) ?? 5));
      state.running--;
      const error = fail?.(e);
      if (error) throw error;
      state.handled.push(e.messageId);
    };
    return { state, handle };
  }

  it('hands over waves of up to `waveSize` jobs together, and beats between waves', async () => {
    const events = Array.from({ length: 10 }, () => event());
    const records = await Promise.all(events.map(encoded));
    const { state, handle } = tracked();
    let beats = 0;
    await waveDecodingHandler(
      codec,
      'DeliveryEvent',
      together(handle),
      4,
    )(records, {
      ...context,
      heartbeat: async () => void beats++,
    });
    expect(state.handled.sort()).toEqual(events.map((e) => e.messageId).sort());
    expect(state.maxRunning).toBe(4);
    expect(beats).toBe(2); // waves of 4, 4, 2
  });

  it('names the first failed record in offset order, not the first to fail in time; later waves do not run', async () => {
    const events = Array.from({ length: 8 }, () => event());
    const records = await Promise.all(events.map(encoded));
    // Records 1 and 2 fail; 2 fails first (1 is slower). Wave 2 (records 4–7) must not run.
    const { state, handle } = tracked(
      (e) =>
        e.messageId === events[1].messageId || e.messageId === events[2].messageId
          ? new Error(`provider down for ${e.messageId}`)
          : undefined,
      (e) => (e.messageId === events[1].messageId ? 30 : 1),
    );
    const error = await waveDecodingHandler(
      codec,
      'DeliveryEvent',
      together(handle),
      4,
    )(records, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchRecordError);
    expect((error as BatchRecordError).record.offset).toBe(records[1].offset);
    expect(state.handled.sort()).toEqual([events[0].messageId, events[3].messageId].sort());
  });

  it('handles the records before an undecodable one, then dead-letters it alone', async () => {
    const events = Array.from({ length: 3 }, () => event());
    const records = [
      ...(await Promise.all(events.map(encoded))),
      record(Buffer.from('not avro')),
      await encoded(event()),
    ];
    const { state, handle } = tracked();
    const error = await waveDecodingHandler(
      codec,
      'DeliveryEvent',
      together(handle),
      16,
    )(records, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchRecordError);
    expect((error as BatchRecordError).record.offset).toBe(records[3].offset);
    expect((error as BatchRecordError).cause).toBeInstanceOf(DecodeError);
    expect(state.handled.sort()).toEqual(events.map((e) => e.messageId).sort());
  });

  it('names the first record of a wave that failed as a whole (a database error), as retriable', async () => {
    const records = await Promise.all(Array.from({ length: 6 }, () => encoded(event())));
    let waves = 0;
    const error = await waveDecodingHandler(
      codec,
      'DeliveryEvent',
      async () => {
        if (++waves === 2) throw new Error('connection terminated');
        return [
          { status: 'fulfilled', value: 'ok' },
          { status: 'fulfilled', value: 'ok' },
          { status: 'fulfilled', value: 'ok' },
        ];
      },
      3,
    )(records, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchRecordError);
    expect((error as BatchRecordError).record.offset).toBe(records[3].offset);
    expect((error as BatchRecordError).cause).toBeInstanceOf(RetriableError);
  });
});
