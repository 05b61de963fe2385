import type { DeliveryEvent } from '@smis/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event that can never be applied (its ids are not UUIDs): a dead letter, not a retry. */
export class InvalidDeliveryEventError extends Error {
  override readonly name = 'InvalidDeliveryEventError';
}

/** A delivery event from a channel (the router's own events are not commands). */
export class ApplyDeliveryEventCommand {
  private constructor(readonly event: DeliveryEvent) {}

  /** Throws InvalidDeliveryEventError for an event the router would act on whose ids are not UUIDs. */
  static create(event: DeliveryEvent): ApplyDeliveryEventCommand {
    const command = new ApplyDeliveryEventCommand(event);
    if (command.relevant) {
      for (const field of ['eventId', 'messageId'] as const) {
        if (!UUID.test(event[field]))
          throw new InvalidDeliveryEventError(`delivery event ${field} is not a UUID`);
      }
    }
    return command;
  }

  /** Whether the router acts on it at all: channel-level progress reported by a channel. */
  get relevant(): boolean {
    const e = this.event;
    return (
      e.producer !== 'router' &&
      e.channel !== null &&
      e.channel !== 'UNKNOWN' &&
      ['DELIVERED', 'READ', 'FAILED', 'EXPIRED'].includes(e.status)
    );
  }
}
