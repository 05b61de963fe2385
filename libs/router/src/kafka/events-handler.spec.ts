import { createAvroCodec, type DeliveryEvent } from '@smis/contracts';
import {
  BatchRecordError,
  isRetriable,
  MembershipLostError,
  type BatchContext,
  type ConsumedRecord,
} from '@smis/messaging';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApplyDeliveryEventCommand } from '../usecases/apply-delivery-event/apply-delivery-event.command';
import type { EventEffect } from '../usecases/apply-delivery-event/apply-delivery-event.usecase';
import { eventsHandler } from './handlers';

const codec = createAvroCodec();

function deliveryEvent(overrides: Partial<DeliveryEvent> = {}): DeliveryEvent {
  return {
    eventId: randomUUID(),
    messageId: randomUUID(),
    senderId: 'sender',
    status: 'DELIVERED',
    channel: 'APP',
    reason: null,
    fromChannel: null,
    toChannel: null,
    deviceId: 'device-1',
    planId: null,
    attempt: 1,
    occurredAt: 1_760_000_000_000,
    producer: 'app-channel',
    ...overrides,
  };
}

let offset = 0;
async function record(value: DeliveryEvent | Buffer | null): Promise<ConsumedRecord> {
  offset += 1;
  return {
    topic: 'smis.events.v1',
    partition: 3,
    offset: String(offset),
    key: null,
    value: value === null || Buffer.isBuffer(value) ? value : await codec.encode('DeliveryEvent', value),
    headers: {},
    timestamp: new Date(0),
    attempt: 1,
  };
}

/** The use case, in memory: records every transaction; events whose id is in `poison` fail theirs. */
class FakeApply {
  readonly transactions: string[][] = [];
  readonly poison = new Set<string>();
  failNextBatch = false;

  async executeBatch(commands: readonly ApplyDeliveryEventCommand[]): Promise<EventEffect[]> {
    const ids = commands.map((c) => c.event.eventId);
    if (this.failNextBatch) {
      this.failNextBatch = false;
      throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    }
    if (ids.some((id) => this.poison.has(id))) throw new Error(`message has no sms payload`);
    this.transactions.push(ids);
    return commands.map(() => 'recorded');
  }

  async execute(command: ApplyDeliveryEventCommand): Promise<EventEffect> {
    const [effect] = await this.executeBatch([command]);
    return effect;
  }

  get applied(): string[] {
    return this.transactions.flat();
  }
}

const context: BatchContext = {
  groupId: 'g',
  deliveredFrom: { topic: 'smis.events.v1', partition: 3 },
  heartbeat: async () => undefined,
};

async function failureOf(work: Promise<unknown>): Promise<BatchRecordError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatchRecordError);
  return error as BatchRecordError;
}

describe('eventsHandler (batches of delivery events)', () => {
  let apply: FakeApply;
  beforeEach(() => {
    apply = new FakeApply();
  });

  it('applies a fetched batch in one transaction, in order, and in several past the per-transaction bound', async () => {
    const events = Array.from({ length: 7 }, () => deliveryEvent());
    const records = await Promise.all(events.map(record));
    await eventsHandler({ codec, apply })(records, context);
    expect(apply.transactions).toEqual([events.map((e) => e.eventId)]);

    const more = new FakeApply();
    await eventsHandler({ codec, apply: more, eventsPerTransaction: 3 })(records, context);
    expect(more.transactions.map((t) => t.length)).toEqual([3, 3, 1]);
    expect(more.applied).toEqual(events.map((e) => e.eventId));
  });

  it('a poison event fails alone: the transaction is replayed one event at a time, the ones before it kept', async () => {
    const events = Array.from({ length: 5 }, () => deliveryEvent());
    apply.poison.add(events[2].eventId);
    const records = await Promise.all(events.map(record));
    const error = await failureOf(eventsHandler({ codec, apply })(records, context));
    expect(error.record.offset).toBe(records[2].offset);
    expect(isRetriable(error.cause)).toBe(false);
    expect(apply.applied).toEqual([events[0].eventId, events[1].eventId]);

    // The consumer hands the handler the records after the failing one: they go in one transaction.
    await eventsHandler({ codec, apply })(records.slice(3), context);
    expect(apply.transactions.at(-1)).toEqual([events[3].eventId, events[4].eventId]);
  });

  it('a transaction that fails for a transient reason is replayed one by one and loses nothing', async () => {
    const events = Array.from({ length: 4 }, () => deliveryEvent());
    apply.failNextBatch = true;
    await eventsHandler({ codec, apply })(await Promise.all(events.map(record)), context);
    expect(apply.transactions).toEqual(events.map((e) => [e.eventId]));
  });

  it('an undecodable record, a tombstone or ids that are not UUIDs: the events before it are applied, it is named for the DLQ', async () => {
    const before = [deliveryEvent(), deliveryEvent()];
    const cases: (Buffer | DeliveryEvent | null)[] = [
      Buffer.from('not an avro record'),
      null,
      deliveryEvent({ eventId: 'not-a-uuid' }),
      deliveryEvent({ messageId: '12345' }),
    ];
    for (const bad of cases) {
      const local = new FakeApply();
      const records = [...(await Promise.all(before.map(record))), await record(bad)];
      const error = await failureOf(eventsHandler({ codec, apply: local })(records, context));
      expect(error.record.offset).toBe(records[2].offset);
      expect(isRetriable(error.cause)).toBe(false);
      expect(local.transactions).toEqual([before.map((e) => e.eventId)]);
    }
  });

  it('the router’s own events and non-UUID ids of events it ignores are not errors', async () => {
    const own = deliveryEvent({ producer: 'router', status: 'ROUTED', eventId: 'x' });
    await eventsHandler({ codec, apply })([await record(own)], context);
    expect(apply.applied).toEqual(['x']);
  });

  it('out of the group between transactions: the rest is left to the new owner', async () => {
    const events = Array.from({ length: 4 }, () => deliveryEvent());
    const records = await Promise.all(events.map(record));
    const lost = new MembershipLostError('rebalance');
    let beats = 0;
    const error = await failureOf(
      eventsHandler({ codec, apply, eventsPerTransaction: 2 })(records, {
        ...context,
        heartbeat: async () => {
          beats += 1;
          throw lost;
        },
      }),
    );
    expect(beats).toBe(1);
    expect(error.record.offset).toBe(records[2].offset);
    expect(error.cause).toBe(lost);
    expect(apply.applied).toEqual([events[0].eventId, events[1].eventId]);
  });
});
