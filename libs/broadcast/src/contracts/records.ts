import { createAvroCodec, createSchemaCatalog, type AvroCodec, type AvroSchemaJson } from '@smis/contracts';

/**
 * The broadcast service's own records (ADR 1100). They belong in `schemas/` with the platform's
 * other contracts; until the contracts owner moves them there, they are declared here and encoded
 * the same way (Avro single-object encoding, fingerprinted).
 */

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

export type BroadcastState =
  'RECEIVING_LIST' | 'SCHEDULED' | 'RUNNING' | 'DONE' | 'CANCELLED' | 'EXPIRED' | 'REJECTED';

/** Aggregated progress of one broadcast (topic smis.broadcasts.progress.v1, key broadcastId). */
export interface BroadcastProgress {
  readonly broadcastId: string;
  readonly senderId: string;
  readonly state: BroadcastState;
  readonly reason: string | null;
  /** LIST: recipients filed so far. */
  readonly listRecipients: number;
  /** Active devices in the audience (all providers). */
  readonly devicesTargeted: number;
  /** Provider topic messages sent (each reaches every subscribed device). */
  readonly topicMessages: number;
  readonly pushesSent: number;
  readonly pushesFailed: number;
  readonly delivered: number;
  readonly read: number;
  readonly occurredAt: number;
}

export const BROADCAST_RECORD_SCHEMAS: Record<'BroadcastListChunk' | 'BroadcastProgress', AvroSchemaJson> = {
  BroadcastListChunk: {
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
  } as AvroSchemaJson,
  BroadcastProgress: {
    type: 'record',
    name: 'BroadcastProgress',
    namespace: 'be.smis.broadcast',
    doc: 'Aggregated progress of a broadcast (topic smis.broadcasts.progress.v1, key broadcastId).',
    fields: [
      { name: 'broadcastId', type: 'string' },
      { name: 'senderId', type: 'string' },
      { name: 'state', type: 'string' },
      { name: 'reason', type: ['null', 'string'], default: null },
      { name: 'listRecipients', type: 'long' },
      { name: 'devicesTargeted', type: 'long' },
      { name: 'topicMessages', type: 'long' },
      { name: 'pushesSent', type: 'long' },
      { name: 'pushesFailed', type: 'long' },
      { name: 'delivered', type: 'long' },
      { name: 'read', type: 'long' },
      { name: 'occurredAt', type: 'long' },
    ],
  } as AvroSchemaJson,
};

export interface BroadcastRecordTypes {
  BroadcastListChunk: BroadcastListChunk;
  BroadcastProgress: BroadcastProgress;
}

export function createBroadcastRecordCodec(): AvroCodec<BroadcastRecordTypes> {
  return createAvroCodec<BroadcastRecordTypes>({
    catalog: createSchemaCatalog(
      Object.entries(BROADCAST_RECORD_SCHEMAS).map(([record, schema]) => ({
        record,
        version: 1,
        file: `libs/broadcast/src/contracts/records.ts#${record}`,
        schema,
      })),
    ),
  });
}
