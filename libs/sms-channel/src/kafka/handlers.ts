import { isDecodeError, type AvroCodec, type RecordTypes } from '@smis/contracts';
import {
  DecodeError,
  describeError,
  isProgrammerError,
  MessagingError,
  RetriableError,
  type MessageHandler,
} from '@smis/messaging';

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
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (record.value === null)
      throw new DecodeError(`A ${recordName} without a value cannot be handled`, where);
    let value: RecordTypes[N];
    try {
      value = (await codec.decode(recordName, record.value)) as RecordTypes[N];
    } catch (error) {
      if (isDecodeError(error))
        throw new DecodeError(`Undecodable ${recordName}: ${describeError(error)}`, {
          ...where,
          cause: error,
        });
      throw new RetriableError(`Could not decode the ${recordName}: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
    try {
      await handle(value);
    } catch (error) {
      if (error instanceof MessagingError || isProgrammerError(error)) throw error;
      throw new RetriableError(`Could not handle the ${recordName}: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
  };
}
