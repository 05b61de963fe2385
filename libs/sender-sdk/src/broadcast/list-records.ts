import {
  BROADCAST_LIST_CHUNK_SCHEMA,
  BROADCAST_LIST_TOPIC,
  createAvroCodec,
  createSchemaCatalog,
  type AvroCodec,
  type BroadcastListChunk,
} from '@smis/contracts';
import { blake2b } from '@smis/crypto';

export { BROADCAST_LIST_TOPIC, type BroadcastListChunk };

/** The broadcast service's limit per chunk (its `maxChunkRecipients` default). */
export const MAX_LIST_CHUNK_RECIPIENTS = 10_000;

/** A polymorphic pseudonym, raw: a 64-byte ElGamal ciphertext. */
export const PSEUDONYM_BYTES = 64;

export function createListChunkCodec(): AvroCodec<{ BroadcastListChunk: BroadcastListChunk }> {
  return createAvroCodec<{ BroadcastListChunk: BroadcastListChunk }>({
    catalog: createSchemaCatalog([
      {
        record: 'BroadcastListChunk',
        version: 1,
        file: 'libs/sender-sdk/src/broadcast/list-records.ts',
        schema: BROADCAST_LIST_CHUNK_SCHEMA,
      },
    ]),
  });
}

/** The digest before the first chunk: 32 zero bytes. */
export const EMPTY_LIST_DIGEST = Buffer.alloc(32);

/** dᵢ = BLAKE2b-256(dᵢ₋₁ ‖ recipients of chunk i): the Broadcast's `listDigest` is the last one. */
export function chainListDigest(previous: Uint8Array, recipients: readonly Uint8Array[]): Buffer {
  return Buffer.from(blake2b(32, [previous, ...recipients]));
}
