import type { AvroSchemaJson } from './schema-catalog';

/**
 * The companion topic of LIST broadcasts (ADR 1100): the recipients of one broadcast, in order,
 * in chunks keyed by broadcastId (so they share a partition), after the Broadcast that names them.
 * Shared by the broadcast service (which reads it) and the sender SDK (which writes it).
 */
export const BROADCAST_LIST_TOPIC = 'smis.broadcasts.lists.v1';

/** One chunk of an explicit recipient list (topic smis.broadcasts.lists.v1, key broadcastId). */
export interface BroadcastListChunk {
  readonly broadcastId: string;
  readonly listId: string;
  /** 0, 1, 2, … in order; a chunk seen before is skipped. */
  readonly chunkIndex: number;
  /** Polymorphic pseudonyms (64-byte ElGamal ciphertexts). */
  readonly recipients: readonly Buffer[];
  /** The last chunk: after it the count and digest are checked against the Broadcast's list reference. */
  readonly last: boolean;
}

/**
 * Its Avro schema. It is declared here rather than in `schemas/` until the broadcast service's
 * records move there; both sides encode it with the same canonical form and fingerprint.
 */
export const BROADCAST_LIST_CHUNK_SCHEMA = {
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
