import { Logger } from '@nestjs/common';
import { isDecodeError, type AvroCodec, type DeliveryEvent, type RecordTypes } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  describeError,
  isProgrammerError,
  MessagingError,
  RetriableError,
  type BatchHandler,
  type ConsumedRecord,
  type MessageHandler,
} from '@smis/messaging';
import {
  avoidsSms,
  type CountAvoidedSmsUseCase,
} from '../usecases/count-avoided-sms/count-avoided-sms.usecase';

const logger = new Logger('SmsChannel');

function where(record: ConsumedRecord): { topic: string; partition: number; offset: string } {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

/** Decodes one record; undecodable ones (and tombstones) are DecodeErrors, for the DLQ. */
async function decodeRecord<N extends keyof RecordTypes>(
  codec: AvroCodec,
  recordName: N,
  record: ConsumedRecord,
): Promise<RecordTypes[N]> {
  if (record.value === null)
    throw new DecodeError(`A ${recordName} without a value cannot be handled`, where(record));
  try {
    return (await codec.decode(recordName, record.value)) as RecordTypes[N];
  } catch (error) {
    if (isDecodeError(error))
      throw new DecodeError(`Undecodable ${recordName}: ${describeError(error)}`, {
        ...where(record),
        cause: error,
      });
    throw new RetriableError(`Could not decode the ${recordName}: ${describeError(error)}`, {
      ...where(record),
      cause: error,
    });
  }
}

/** The channel's own non-retriable errors pass through; anything else (database, providers) is retried. */
function classify(error: unknown, recordName: string, record: ConsumedRecord): unknown {
  if (error instanceof MessagingError || isProgrammerError(error)) return error;
  return new RetriableError(`Could not handle the ${recordName}: ${describeError(error)}`, {
    ...where(record),
    cause: error,
  });
}

/**
 * A consumer that decodes one record type and hands it on. Undecodable records go to the DLQ at
 * once; the channel's own non-retriable errors pass through; anything else (database, provider
 * lookups) is retried through the retry topics.
 */
export function decodingHandler<N extends keyof RecordTypes>(
  codec: AvroCodec,
  recordName: N,
  handle: (value: RecordTypes[N]) => Promise<unknown>,
): MessageHandler {
  return async (record) => {
    const value = await decodeRecord(codec, recordName, record);
    try {
      await handle(value);
    } catch (error) {
      throw classify(error, recordName, record);
    }
  };
}

/**
 * smis.events.v1, a fetched batch at a time, for "SMS avoided". Most events are of no interest
 * here: they are decoded and skipped, without a database round trip. The app DELIVERED events
 * of a batch are counted in one statement. An undecodable event ends the run before it (counted),
 * goes to the DLQ alone, and the consumer hands the rest back; if counting together fails, the
 * events are counted one by one so only the failing one is retried or dead-lettered.
 */
export function avoidedSmsEventsHandler(
  codec: AvroCodec,
  countAvoided: CountAvoidedSmsUseCase,
): BatchHandler {
  return async (records) => {
    const relevant: Array<{ record: ConsumedRecord; event: DeliveryEvent }> = [];
    let poison: { record: ConsumedRecord; error: unknown } | undefined;
    for (const record of records) {
      try {
        const event = await decodeRecord(codec, 'DeliveryEvent', record);
        if (avoidsSms(event)) relevant.push({ record, event });
      } catch (error) {
        poison = { record, error };
        break;
      }
    }
    if (relevant.length > 1) {
      try {
        await countAvoided.executeBatch(relevant.map((r) => r.event));
        relevant.length = 0;
      } catch (error) {
        // One by one below: finds the event that cannot be counted.
        logger.warn(
          `Counting ${relevant.length} avoided SMS together failed (${describeError(error)}); counting them one by one`,
        );
      }
    }
    for (const { record, event } of relevant) {
      try {
        await countAvoided.execute(event);
      } catch (error) {
        throw new BatchRecordError(where(record), classify(error, 'DeliveryEvent', record));
      }
    }
    if (poison) throw new BatchRecordError(where(poison.record), poison.error);
  };
}
