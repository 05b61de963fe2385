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
 * A consumer of independent jobs (SMS submissions: each is filed and submitted idempotently by
 * its own key), a fetched batch at a time, in waves of up to `waveSize` handed over together
 * (`handleMany` answers each one's outcome, in order). Records are decoded in order; an
 * undecodable one ends the run before it and goes to the DLQ alone. After a wave has settled, the
 * first record (in offset order) that failed is named in a BatchRecordError: the ones before it
 * count as handled and the consumer hands the rest in again, where a job that was already
 * submitted is recognized and not sent twice. If the wave fails as a whole, its first record is
 * named.
 */
export function waveDecodingHandler<N extends keyof RecordTypes>(
  codec: AvroCodec,
  recordName: N,
  handleMany: (values: RecordTypes[N][]) => Promise<PromiseSettledResult<unknown>[]>,
  waveSize: number,
): BatchHandler {
  return async (records, context) => {
    const decoded: Array<{ record: ConsumedRecord; value: RecordTypes[N] }> = [];
    let poison: { record: ConsumedRecord; error: unknown } | undefined;
    for (const record of records) {
      try {
        decoded.push({ record, value: await decodeRecord(codec, recordName, record) });
      } catch (error) {
        poison = { record, error };
        break;
      }
    }
    for (let start = 0; start < decoded.length; start += waveSize) {
      if (start > 0) await context.heartbeat();
      const wave = decoded.slice(start, start + waveSize);
      let results: PromiseSettledResult<unknown>[];
      try {
        results = await handleMany(wave.map(({ value }) => value));
      } catch (error) {
        throw new BatchRecordError(where(wave[0].record), classify(error, recordName, wave[0].record));
      }
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) {
        const { record } = wave[failed];
        const reason = (results[failed] as PromiseRejectedResult).reason;
        throw new BatchRecordError(where(record), classify(reason, recordName, record));
      }
    }
    if (poison) throw new BatchRecordError(where(poison.record), poison.error);
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
