import {
  BROADCAST_LIST_CHUNK_SCHEMA,
  createAvroCodec,
  createSchemaCatalog,
  type AvroCodec,
  type AvroSchemaJson,
  type BroadcastListChunk,
} from '@smis/contracts';

/**
 * The broadcast service's own records (ADR 1100). They belong in `schemas/` with the platform's
 * other contracts; until the contracts owner moves them there, they are declared here and encoded
 * the same way (Avro single-object encoding, fingerprinted).
 */

export type { BroadcastListChunk };

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
  BroadcastListChunk: BROADCAST_LIST_CHUNK_SCHEMA,
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
