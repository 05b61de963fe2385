import { createAvroCodec, type DeliveryEvent } from '@smis/contracts';
import { BatchRecordError, DecodeError, type BatchContext, type ConsumedRecord } from '@smis/messaging';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CountAvoidedSmsUseCase } from '../usecases/count-avoided-sms/count-avoided-sms.usecase';
import { avoidedSmsEventsHandler } from './handlers';

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
