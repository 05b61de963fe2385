import { Logger } from '@nestjs/common';
import { isDecodeError, type AvroCodec, type DeliveryEvent } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  describeError,
  isProgrammerError,
  MembershipLostError,
  MessagingError,
  RetriableError,
  type BatchHandler,
  type ConsumedRecord,
} from '@smis/messaging';
import { statusMetrics } from '../metrics';
import { RecordDeliveryEventCommand } from '../usecases/record-delivery-event/record-delivery-event.command';
import type { RecordDeliveryEventUseCase } from '../usecases/record-delivery-event/record-delivery-event.usecase';

const logger = new Logger('Status');

/** Events recorded per transaction at most: bounds the statement sizes and how long rows stay locked. */
export const MAX_EVENTS_PER_TRANSACTION = 1000;

interface Decoded {
  record: ConsumedRecord;
  command: RecordDeliveryEventCommand;
}

/**
 * The `smis.events.v1` consumer, a fetched batch at a time: decodes the events and records them
 * in one transaction (per `MAX_EVENTS_PER_TRANSACTION`). An event that cannot be recorded never
 * holds up the others: an undecodable or invalid one ends the run before it (the events before
 * it are recorded, it goes to the DLQ alone, the consumer hands the rest back); when the batched
 * transaction fails, its events are recorded one by one, so the failing one is found and goes to
 * the DLQ (or a retry topic, for database trouble) alone, and the others are recorded.
 */
export function deliveryEventsHandler(
  codec: AvroCodec,
  recordEvent: RecordDeliveryEventUseCase,
  options: { maxEventsPerTransaction?: number } = {},
): BatchHandler {
  const limit = options.maxEventsPerTransaction ?? MAX_EVENTS_PER_TRANSACTION;
  return async (records, context) => {
    let next = 0;
    while (next < records.length) {
      const run: Decoded[] = [];
      let poison: { record: ConsumedRecord; error: unknown } | undefined;
      for (; next < records.length && run.length < limit; next++) {
        const record = records[next];
        try {
          run.push({ record, command: await decodeCommand(codec, record) });
        } catch (error) {
          poison = { record, error };
          break;
        }
      }
      await recordRun(recordEvent, run);
      if (poison) throw new BatchRecordError(where(poison.record), poison.error);
      if (next < records.length) {
        try {
          await context.heartbeat();
        } catch (error) {
          // Out of the group: what was recorded stays, the rest goes to the partition's new owner.
          if (error instanceof MembershipLostError) throw new BatchRecordError(where(records[next]), error);
          logger.warn(`Heartbeat failed mid-batch (${describeError(error)}); going on`);
        }
      }
    }
  };
}

/** Records a run of decoded events: together, or one by one when together fails. */
async function recordRun(recordEvent: RecordDeliveryEventUseCase, run: readonly Decoded[]): Promise<void> {
  if (run.length === 0) return;
  if (run.length > 1) {
    try {
      await recordEvent.executeBatch(run.map((d) => d.command));
      statusMetrics.eventBatches.inc({ outcome: 'batched' });
      statusMetrics.eventBatchSize.observe(run.length);
      return;
    } catch (error) {
      statusMetrics.eventBatches.inc({ outcome: 'one-by-one' });
      logger.warn(
        `Recording ${run.length} delivery events together failed (${describeError(error)}); recording them one by one`,
      );
    }
  }
  for (const { record, command } of run) {
    try {
      await recordEvent.execute(command);
    } catch (error) {
      throw new BatchRecordError(where(record), classify(error, record, command.event));
    }
  }
}

async function decodeCommand(codec: AvroCodec, record: ConsumedRecord): Promise<RecordDeliveryEventCommand> {
  if (record.value === null) {
    throw new DecodeError('A delivery event without a value (tombstone) cannot be recorded', where(record));
  }
  let event: DeliveryEvent;
  try {
    event = await codec.decode('DeliveryEvent', record.value);
  } catch (error) {
    if (isDecodeError(error))
      throw new DecodeError(`Undecodable delivery event: ${describeError(error)}`, {
        ...where(record),
        cause: error,
      });
    throw new RetriableError(`Could not decode the delivery event: ${describeError(error)}`, {
      ...where(record),
      cause: error,
    });
  }
  return RecordDeliveryEventCommand.create(event);
}

/** Invalid events and bugs go to the DLQ as they are; anything else (the database) is retried. */
function classify(error: unknown, record: ConsumedRecord, event: DeliveryEvent): unknown {
  if (error instanceof MessagingError || isProgrammerError(error)) return error;
  return new RetriableError(`Could not record delivery event ${event.eventId}: ${describeError(error)}`, {
    ...where(record),
    cause: error,
  });
}

function where(record: ConsumedRecord): { topic: string; partition: number; offset: string } {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}
