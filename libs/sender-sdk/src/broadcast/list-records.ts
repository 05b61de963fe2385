import { createAvroCodec, createSchemaCatalog, type AvroCodec, type AvroSchemaJson } from '@smis/contracts';
import { blake2b } from '@smis/crypto';

/**
 * The companion topic of LIST broadcasts (ADR 1100): the recipients of one broadcast, in order, in
 * chunks keyed by broadcastId (so they share a partition), after the Broadcast that references them.
 */
export const BROADCAST_LIST_TOPIC = 'smis.broadcasts.lists.v1';

/** The broadcast service's limit per chunk (its `maxChunkRecipients` default). */
export const MAX_LIST_CHUNK_RECIPIENTS = 10_000;

/** A polymorphic pseudonym, raw: a 64-byte ElGamal ciphertext. */
export const PSEUDONYM_BYTES = 64;

/** One chunk of an explicit recipient list (topic smis.broadcasts.lists.v1, key broadcastId). */
export interface BroadcastListChunk {
  readonly broadcastId: string;
  readonly listId: string;
  /** 0, 1, 2, … in order. */
  readonly chunkIndex: number;
  /** Polymorphic pseudonyms, 64 bytes each. */
  readonly recipients: readonly Buffer[];
  /** After it the platform compares the count and digest with the Broadcast's list reference. */
  readonly last: boolean;
}

/**
 * The record as `libs/broadcast/src/contracts/records.ts` declares it (same canonical form, so the
 * same fingerprint in the single-object encoding); a test checks the broadcast service decodes it.
 * It moves to `schemas/` (and this copy to @smis/contracts) with the broadcast service's records.
 */
const LIST_CHUNK_SCHEMA = {
  type: 'record',
  name: 'BroadcastListChunk',
  namespace: 'be.smis.broadcast',
  doc: 'One chunk of an explicit broadcast recipient list (topic smis.broadcasts.lists.v1, key broadcastId).',
  fields: [
    { name: 'broadcastId', type: 'string' },
    { name: 'listId', type: 'string' },
    { name: 'chunkIndex', type: 'int' },
    {
      name: 'recipients',
      type: { type: 'array', items: { type: 'fixed', name: 'ListPseudonym', size: 64 } },
    },
    { name: 'last', type: 'boolean' },
  ],
} as AvroSchemaJson;

export function createListChunkCodec(): AvroCodec<{ BroadcastListChunk: BroadcastListChunk }> {
  return createAvroCodec<{ BroadcastListChunk: BroadcastListChunk }>({
    catalog: createSchemaCatalog([
      {
        record: 'BroadcastListChunk',
        version: 1,
        file: 'libs/sender-sdk/src/broadcast/list-records.ts',
        schema: LIST_CHUNK_SCHEMA,
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
