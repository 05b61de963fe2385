import type { Type } from 'avsc';
import { RecordValidationError } from './errors';
import type { Broadcast, MessageRequest } from './generated/records';
import { defaultSchemaCatalog, parseAvroSchema } from './schema-catalog';

/**
 * The bytes a sender signs with Ed25519, and the router or the app verifies, so both sides
 * agree to the byte: a domain-separation label, then the Avro encoding of every field but
 * `signature` under version 1 of the schema. Version 1 is frozen, so the input does not change
 * when a later schema version adds fields (those are not signed until a signing version 2).
 */
export const SIGNING_LABELS = {
  MessageRequest: 'smis:message-request:signature:v1\0',
  Broadcast: 'smis:broadcast:signature:v1\0',
} as const;

type SignedRecord = keyof typeof SIGNING_LABELS;

/** A record with or without its signature (which the signing input leaves out). */
export type Unsigned<T extends { signature: Buffer }> = Omit<T, 'signature'> & {
  readonly signature?: Buffer;
};

const signingTypes = new Map<SignedRecord, Type>();

function signingType(record: SignedRecord): Type {
  let type = signingTypes.get(record);
  if (!type) {
    const schema = defaultSchemaCatalog().version(record, 1).schema as { fields: { name: string }[] };
    type = parseAvroSchema({ ...schema, fields: schema.fields.filter((f) => f.name !== 'signature') });
    signingTypes.set(record, type);
  }
  return type;
}

function signingInput(record: SignedRecord, value: object): Buffer {
  const type = signingType(record);
  const paths: string[] = [];
  if (!type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) })) {
    throw new RecordValidationError({ record, schema: `${record} signing input v1`, paths });
  }
  return Buffer.concat([Buffer.from(SIGNING_LABELS[record], 'utf8'), type.toBuffer(value)]);
}

/** What the sender signs (and the router verifies) for a message request; `signature` is ignored. */
export function messageRequestSigningInput(request: Unsigned<MessageRequest>): Buffer {
  return signingInput('MessageRequest', request);
}

/** What the sender signs (and the broadcast service verifies) for a broadcast; `signature` is ignored. */
export function broadcastSigningInput(broadcast: Unsigned<Broadcast>): Buffer {
  return signingInput('Broadcast', broadcast);
}
