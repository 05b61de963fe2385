import { isDecodeError, type AvroCodec, type Broadcast } from '@smis/contracts';
import {
  DecodeError,
  describeError,
  isProgrammerError,
  MessagingError,
  NonRetriableError,
  RetriableError,
  type MessageHandler,
} from '@smis/messaging';
import type { BroadcastListChunk, BroadcastRecordTypes } from '../contracts/records';
import type { AcceptBroadcastUseCase } from '../usecases/accept-broadcast/accept-broadcast.usecase';
import type { ReceiveListChunkUseCase } from '../usecases/receive-list-chunk/receive-list-chunk.usecase';

async function decode<T>(
  record: { topic: string; partition: number; offset: string; value: Buffer | null },
  what: string,
  decodeValue: (value: Buffer) => Promise<T>,
): Promise<T> {
  const where = { topic: record.topic, partition: record.partition, offset: record.offset };
  if (record.value === null) throw new DecodeError(`A ${what} without a value cannot be processed`, where);
  try {
    return await decodeValue(record.value);
  } catch (error) {
    if (isDecodeError(error))
      throw new DecodeError(`Undecodable ${what}: ${describeError(error)}`, { ...where, cause: error });
    throw new RetriableError(`Could not decode the ${what}: ${describeError(error)}`, {
      ...where,
      cause: error,
    });
  }
}

function classify(error: unknown, what: string): never {
  if (error instanceof MessagingError || isProgrammerError(error)) throw error;
  throw new RetriableError(`${what}: ${describeError(error)}`, { cause: error });
}

/** `smis.broadcasts.v1`: a refused broadcast is REJECTED (event) and dead-lettered with its reason. */
export function broadcastsHandler(codec: AvroCodec, accept: AcceptBroadcastUseCase): MessageHandler {
  return async (record) => {
    const broadcast = await decode<Broadcast>(record, 'broadcast', (v) => codec.decode('Broadcast', v));
    let outcome;
    try {
      outcome = await accept.execute(broadcast);
    } catch (error) {
      classify(error, `Could not accept broadcast ${broadcast.broadcastId}`);
    }
    if (outcome.kind === 'rejected')
      throw new NonRetriableError(`Broadcast ${broadcast.broadcastId} refused: ${outcome.reason}`, {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
      });
  };
}

/** `smis.broadcasts.lists.v1`: one chunk of an explicit recipient list. */
export function listChunksHandler(
  codec: AvroCodec<BroadcastRecordTypes>,
  receive: ReceiveListChunkUseCase,
): MessageHandler {
  return async (record) => {
    const chunk = await decode<BroadcastListChunk>(record, 'list chunk', (v) =>
      codec.decode('BroadcastListChunk', v),
    );
    try {
      await receive.execute(chunk);
    } catch (error) {
      classify(error, `Could not file list chunk ${chunk.chunkIndex} of ${chunk.broadcastId}`);
    }
  };
}
