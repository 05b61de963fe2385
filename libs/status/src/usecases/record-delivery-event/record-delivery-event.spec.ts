import type { DeliveryEvent } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import { describe, expect, it } from 'vitest';
import { RecordDeliveryEventCommand } from './record-delivery-event.command';

const valid: DeliveryEvent = {
  eventId: 'E1D2C3B4-A596-4788-99AA-BBCCDDEEFF00',
  messageId: '0b6c5c0e-4bde-4a39-9d7e-59a3f1b6a001',
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
};

describe('RecordDeliveryEventCommand', () => {
  it('keeps one spelling of ids (lower case), as the database returns them', () => {
    expect(RecordDeliveryEventCommand.create(valid).event.eventId).toBe(
      'e1d2c3b4-a596-4788-99aa-bbccddeeff00',
    );
  });

  it('refuses, for good, events that no retry can make valid', () => {
    for (const bad of [
      { eventId: 'not-a-uuid' },
      { senderId: 'Tax Office' },
      { occurredAt: -1 },
      { occurredAt: 9e15 },
      { planId: 'plan-7' },
    ]) {
      expect(() => RecordDeliveryEventCommand.create({ ...valid, ...bad })).toThrow(NonRetriableError);
    }
  });
});
