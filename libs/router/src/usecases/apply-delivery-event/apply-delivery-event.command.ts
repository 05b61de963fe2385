import type { DeliveryEvent } from '@smis/contracts';

/** A delivery event from a channel (the router's own events are not commands). */
export class ApplyDeliveryEventCommand {
  private constructor(readonly event: DeliveryEvent) {}

  static create(event: DeliveryEvent): ApplyDeliveryEventCommand {
    return new ApplyDeliveryEventCommand(event);
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
