import { isDecodeError, type AvroCodec, type DeliveryEvent } from '@smis/contracts';
import {
  DecodeError,
  describeError,
  isProgrammerError,
  MessagingError,
  RetriableError,
  type MessageHandler,
} from '@smis/messaging';
import { RecordDeliveryEventCommand } from '../usecases/record-delivery-event/record-delivery-event.command';
import type { RecordDeliveryEventUseCase } from '../usecases/record-delivery-event/record-delivery-event.usecase';

/**
 * The `smis.events.v1` consumer: decodes, builds the command, records. Undecodable or invalid
 * events go to the DLQ at once; database trouble is retried (retry topics), since it passes.
 */
export function deliveryEventsHandler(
  codec: AvroCodec,
  recordEvent: RecordDeliveryEventUseCase,
): MessageHandler {
  return async (record) => {
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (record.value === null) {
      throw new DecodeError('A delivery event without a value (tombstone) cannot be recorded', where);
    }
    let event: DeliveryEvent;
    try {
      event = await codec.decode('DeliveryEvent', record.value);
    } catch (error) {
      if (isDecodeError(error))
        throw new DecodeError(`Undecodable delivery event: ${describeError(error)}`, {
          ...where,
          cause: error,
        });
      throw new RetriableError(`Could not decode the delivery event: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
    const command = RecordDeliveryEventCommand.create(event);
    try {
      await recordEvent.execute(command);
    } catch (error) {
      if (error instanceof MessagingError || isProgrammerError(error)) throw error;
      throw new RetriableError(`Could not record delivery event ${event.eventId}: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
  };
}
