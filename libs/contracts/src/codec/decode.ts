import { MalformedRecordError } from '../errors';
import {
  CONFLUENT_HEADER_LENGTH,
  CONFLUENT_MAGIC,
  SINGLE_OBJECT_HEADER_LENGTH,
  SINGLE_OBJECT_MAGIC,
} from './encode';

/** A record's framing, read and checked: which writer schema, and the Avro body. */
export type RecordFrame =
  | { readonly format: 'single-object'; readonly fingerprint: Buffer; readonly body: Buffer }
  | { readonly format: 'confluent'; readonly schemaId: number; readonly body: Buffer };

/** Reads the frame of `message`; `record` (the expected record) only names it in errors. */
export function decodeFrame(message: Buffer, record: string): RecordFrame {
  if (message.length >= 1 && message[0] === SINGLE_OBJECT_MAGIC[0]) {
    if (message.length < 2 || message[1] !== SINGLE_OBJECT_MAGIC[1]) {
      return badMagic(message, record);
    }
    if (message.length < SINGLE_OBJECT_HEADER_LENGTH) {
      throw new MalformedRecordError({
        record,
        reason: 'truncated-header',
        detail: `a single-object header is ${SINGLE_OBJECT_HEADER_LENGTH} bytes, the record has ${message.length}`,
      });
    }
    return {
      format: 'single-object',
      fingerprint: message.subarray(2, SINGLE_OBJECT_HEADER_LENGTH),
      body: message.subarray(SINGLE_OBJECT_HEADER_LENGTH),
    };
  }
  if (message.length >= 1 && message[0] === CONFLUENT_MAGIC) {
    if (message.length < CONFLUENT_HEADER_LENGTH) {
      throw new MalformedRecordError({
        record,
        reason: 'truncated-header',
        detail: `a Confluent header is ${CONFLUENT_HEADER_LENGTH} bytes, the record has ${message.length}`,
      });
    }
    return {
      format: 'confluent',
      schemaId: message.readUInt32BE(1),
      body: message.subarray(CONFLUENT_HEADER_LENGTH),
    };
  }
  return badMagic(message, record);
}

function badMagic(message: Buffer, record: string): never {
  throw new MalformedRecordError({
    record,
    reason: message.length === 0 ? 'truncated-header' : 'bad-magic',
    detail:
      message.length === 0
        ? 'the record is empty'
        : `it starts with 0x${message.subarray(0, 2).toString('hex')}, expected 0xc301 (Avro single-object) or 0x00 (Confluent)`,
  });
}
