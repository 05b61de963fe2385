/** Avro single-object encoding: 0xC3 0x01, the writer schema's 8-byte CRC-64-AVRO fingerprint, the body. */
export const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** Confluent wire format: 0x00, the registry's 4-byte big-endian schema id, the body. */
export const CONFLUENT_MAGIC = 0x00;
export const CONFLUENT_HEADER_LENGTH = 5;

export function encodeSingleObject(fingerprint: Buffer, body: Buffer): Buffer {
  if (fingerprint.length !== 8) {
    throw new TypeError(`A single-object fingerprint is 8 bytes, got ${fingerprint.length}.`);
  }
  return Buffer.concat([SINGLE_OBJECT_MAGIC, fingerprint, body]);
}

export function encodeConfluent(schemaId: number, body: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new TypeError(`A Confluent schema id is an unsigned 32-bit integer, got ${schemaId}.`);
  }
  const header = Buffer.alloc(CONFLUENT_HEADER_LENGTH);
  header.writeUInt8(CONFLUENT_MAGIC, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}
