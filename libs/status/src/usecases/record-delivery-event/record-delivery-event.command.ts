import { isValidSenderId, type DeliveryEvent } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A delivery event to record. Invalid events cannot become valid by retrying: NonRetriableError. */
export class RecordDeliveryEventCommand {
  private constructor(readonly event: DeliveryEvent) {}

  static create(event: DeliveryEvent): RecordDeliveryEventCommand {
    const problems: string[] = [];
    if (!UUID.test(event.eventId)) problems.push('eventId is not a UUID');
    if (!UUID.test(event.messageId)) problems.push('messageId is not a UUID');
    if (!isValidSenderId(event.senderId)) problems.push('senderId is not a valid sender id');
    if (event.planId !== null && !UUID.test(event.planId)) problems.push('planId is not a UUID');
    // Beyond 8.64e15 ms a JavaScript Date (and a timestamptz here) is invalid.
    if (!Number.isSafeInteger(event.occurredAt) || event.occurredAt < 0 || event.occurredAt > 8.64e15)
      problems.push('occurredAt is not an instant');
    if (problems.length > 0) {
      throw new NonRetriableError(
        `Delivery event ${JSON.stringify(event.eventId)} is invalid: ${problems.join('; ')}`,
      );
    }
    // UUIDs compare as text in the precedence tie-break: one spelling, the database's.
    return new RecordDeliveryEventCommand({
      ...event,
      eventId: event.eventId.toLowerCase(),
      messageId: event.messageId.toLowerCase(),
      planId: event.planId?.toLowerCase() ?? null,
    });
  }
}
