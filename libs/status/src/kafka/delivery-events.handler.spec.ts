import { createAvroCodec, type DeliveryEvent } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  NonRetriableError,
  RetriableError,
  type BatchContext,
  type ConsumedRecord,
} from '@smis/messaging';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RecordDeliveryEventCommand } from '../usecases/record-delivery-event/record-delivery-event.command';
import type {
  RecordDeliveryEventResult,
  RecordDeliveryEventUseCase,
} from '../usecases/record-delivery-event/record-delivery-event.usecase';
import { deliveryEventsHandler } from './delivery-events.handler';

const codec = createAvroCodec();

function event(overrides: Partial<DeliveryEvent> = {}): DeliveryEvent {
  return {
    eventId: randomUUID(),
    messageId: randomUUID(),
    senderId: 'tax-office',
    status: 'DISPATCHED',
    channel: 'APP',
    reason: null,
    fromChannel: null,
    toChannel: null,
    deviceId: null,
    planId: null,
    attempt: 1,
    occurredAt: 1_800_000_000_000,
    producer: 'app-channel',
    ...overrides,
  };
}

let offset = 0;
function record(value: Buffer | null): ConsumedRecord {
  return {
    topic: 'smis.events.v1',
    partition: 3,
    offset: String(offset++),
    key: null,
    value,
    headers: {},
    timestamp: new Date(),
    attempt: 1,
  };
}

const encoded = async (e: DeliveryEvent) => record(await codec.encode('DeliveryEvent', e));

const context: BatchContext = {
  groupId: 'smis-status',
  deliveredFrom: { topic: 'smis.events.v1', partition: 3 },
  heartbeat: async () => undefined,
};

const ok: RecordDeliveryEventResult = {
  duplicate: false,
  messageStatusChanged: true,
  channelStatusChanged: true,
  publishedToTopic: true,
  webhooksQueued: 0,
};

/** Records what the handler asks for; `refuse` names events the "database" will not take. */
function fakeUseCase(refuse: (event: DeliveryEvent) => Error | undefined = () => undefined) {
  const calls: Array<{ kind: 'batch' | 'one'; eventIds: string[] }> = [];
  const recorded: string[] = [];
  const useCase = {
    async executeBatch(commands: readonly RecordDeliveryEventCommand[]) {
      calls.push({ kind: 'batch', eventIds: commands.map((c) => c.event.eventId) });
      const refused = commands.map((c) => refuse(c.event)).find(Boolean);
      if (refused) throw refused; // the whole transaction rolls back
      recorded.push(...commands.map((c) => c.event.eventId));
      return commands.map(() => ok);
    },
    async execute(command: RecordDeliveryEventCommand) {
      calls.push({ kind: 'one', eventIds: [command.event.eventId] });
      const refused = refuse(command.event);
      if (refused) throw refused;
      recorded.push(command.event.eventId);
      return ok;
    },
  };
  return { useCase: useCase as unknown as RecordDeliveryEventUseCase, calls, recorded };
}

/** What the consumer does with BatchRecordError: keep what came before, fail that one, hand on the rest. */
async function consume(
  handler: ReturnType<typeof deliveryEventsHandler>,
  records: ConsumedRecord[],
): Promise<Array<{ offset: string; error: unknown }>> {
  const failed: Array<{ offset: string; error: unknown }> = [];
  let remaining = records;
  while (remaining.length > 0) {
    try {
      await handler(remaining, context);
      remaining = [];
    } catch (error) {
      expect(error).toBeInstanceOf(BatchRecordError);
      const at = remaining.findIndex((r) => r.offset === (error as BatchRecordError).record.offset);
      expect(at).toBeGreaterThanOrEqual(0);
      failed.push({ offset: remaining[at].offset, error: (error as BatchRecordError).cause });
      remaining = remaining.slice(at + 1);
    }
  }
  return failed;
}

describe('deliveryEventsHandler (a batch at a time)', () => {
  it('records a whole batch in one call', async () => {
    const events = [event(), event(), event({ status: 'DELIVERED' })];
    const fake = fakeUseCase();
    await deliveryEventsHandler(codec, fake.useCase)(await Promise.all(events.map(encoded)), context);
    expect(fake.calls).toEqual([{ kind: 'batch', eventIds: events.map((e) => e.eventId) }]);
  });

  it('dead-letters an undecodable, a tombstone and an invalid event alone, recording the others together', async () => {
    const events = [event(), event(), event(), event()];
    const [a, b, c, d] = await Promise.all(events.map(encoded));
    const garbage = record(Buffer.from('not an avro record'));
    const tombstone = record(null);
    const invalid = await encoded(event({ senderId: 'Not A Sender' }));
    const fake = fakeUseCase();
    const failed = await consume(deliveryEventsHandler(codec, fake.useCase), [
      a,
      b,
      garbage,
      c,
      tombstone,
      invalid,
      d,
    ]);
    expect(failed.map((f) => f.offset)).toEqual([garbage.offset, tombstone.offset, invalid.offset]);
    expect(failed[0].error).toBeInstanceOf(DecodeError);
    expect(failed[1].error).toBeInstanceOf(DecodeError);
    expect(failed[2].error).toBeInstanceOf(NonRetriableError);
    expect(fake.recorded).toEqual(events.map((e) => e.eventId));
    expect(fake.calls.map((call) => call.kind)).toEqual(['batch', 'one', 'one']);
  });

  it('finds the event the database refuses by recording one by one: it alone fails, the others are recorded', async () => {
    const events = [event(), event(), event({ senderId: 'hijacker' }), event(), event()];
    const fake = fakeUseCase((e) =>
      e.senderId === 'hijacker' ? new NonRetriableError('belongs to another sender') : undefined,
    );
    const failed = await consume(
      deliveryEventsHandler(codec, fake.useCase),
      await Promise.all(events.map(encoded)),
    );
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toBeInstanceOf(NonRetriableError);
    expect(fake.recorded).toEqual(events.filter((e) => e.senderId !== 'hijacker').map((e) => e.eventId));
    // Together (fails), one by one up to the refused one, then the rest together again.
    expect(fake.calls.map((call) => `${call.kind}:${call.eventIds.length}`)).toEqual([
      'batch:5',
      'one:1',
      'one:1',
      'one:1',
      'batch:2',
    ]);
  });

  it('sends database trouble to a retry topic, not the DLQ', async () => {
    const down = fakeUseCase(() => new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const failed = await consume(deliveryEventsHandler(codec, down.useCase), [await encoded(event())]);
    expect(failed[0].error).toBeInstanceOf(RetriableError);
    expect(down.recorded).toEqual([]);
  });

  it('records at most maxEventsPerTransaction events per call of the use case', async () => {
    const events = Array.from({ length: 7 }, () => event());
    const fake = fakeUseCase();
    await deliveryEventsHandler(codec, fake.useCase, { maxEventsPerTransaction: 3 })(
      await Promise.all(events.map(encoded)),
      context,
    );
    expect(fake.calls.map((c) => c.eventIds.length)).toEqual([3, 3, 1]);
    expect(fake.recorded).toEqual(events.map((e) => e.eventId));
  });
});
