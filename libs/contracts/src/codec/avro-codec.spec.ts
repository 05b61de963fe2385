import { describe, expect, it } from 'vitest';
import {
  MalformedRecordError,
  RecordValidationError,
  SchemaMismatchError,
  UnknownSchemaError,
  isDecodeError,
  type DecodeError,
} from '../errors';
import { RECORD_NAMES, type MessageRequest, type RecordName } from '../generated/records';
import { createSchemaCatalog, defaultSchemaCatalog } from '../schema-catalog';
import { exampleRecords } from '../testing/example-records';
import { createAvroCodec } from './avro-codec';
import { encodeSingleObject } from './encode';

const codec = createAvroCodec();
const examples = exampleRecords();

async function decodeError(promise: Promise<unknown>): Promise<DecodeError> {
  const error = await promise.then(
    () => {
      throw new Error('decode resolved; a decode error was expected');
    },
    (e: unknown) => e,
  );
  expect(isDecodeError(error)).toBe(true);
  expect((error as DecodeError).retriable).toBe(false);
  return error as DecodeError;
}

describe('Avro codec: round trips', () => {
  it('has an example for every record of the catalog', () => {
    expect([...RECORD_NAMES].sort()).toEqual(defaultSchemaCatalog().records());
    expect(RECORD_NAMES).toHaveLength(13);
  });

  it.each(RECORD_NAMES)('encodes and decodes a %s', async (record: RecordName) => {
    const value = examples[record];
    const message = await codec.encode(record, value);
    const schema = defaultSchemaCatalog().latest(record);
    expect(message.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(message.subarray(2, 10)).toEqual(schema.fingerprint);
    expect(await codec.decode(record, message)).toEqual(value);
  });

  it('keeps nulls, empty arrays, the longest pseudonym and non-ASCII text intact', async () => {
    const value: MessageRequest = {
      ...examples.MessageRequest,
      smsFallback: null,
      emailFallback: Buffer.alloc(0),
      allowedChannels: [],
      category: 'santé.résultat',
      content: { languages: [], parts: [], totalSizeBytes: 0 },
      recipient: Buffer.alloc(64, 0xff),
    };
    expect(await codec.decode('MessageRequest', await codec.encode('MessageRequest', value))).toEqual(value);
  });

  it('refuses to encode a value that does not match the schema, naming the fields', async () => {
    const bad = {
      ...examples.MessageRequest,
      recipient: Buffer.alloc(95),
      priority: 'VERY_HIGH',
      content: { ...examples.MessageRequest.content, parts: [{ kind: 'TEXT', sizeBytes: 'big' }] },
    } as unknown as MessageRequest;
    const error = await codec.encode('MessageRequest', bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordValidationError);
    expect((error as RecordValidationError).paths).toEqual([
      'recipient',
      'priority',
      'content.parts.0.sizeBytes',
    ]);
    expect((error as RecordValidationError).retriable).toBe(false);
    expect((error as Error).message).toMatch(
      /Cannot encode a MessageRequest with be\.smis\.v1\.MessageRequest v1: .*`recipient`/,
    );
  });
});

describe('Avro codec: decode errors', () => {
  it('UnknownSchemaError when the fingerprint is not in the catalog', async () => {
    const message = encodeSingleObject(Buffer.from('0011223344556677', 'hex'), Buffer.from([0]));
    const error = await decodeError(codec.decode('MessageRequest', message));
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect((error as UnknownSchemaError).fingerprint).toBe('0011223344556677');
    expect(error.message).toMatch(
      /writer schema \(fingerprint 0011223344556677\) is unknown.*replay the record from the DLQ/,
    );
  });

  it('UnknownSchemaError for a Confluent-framed record when no registry is configured', async () => {
    const message = Buffer.from('0000000007' + '00', 'hex');
    const error = await decodeError(codec.decode('DeliveryEvent', message));
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect((error as UnknownSchemaError).schemaId).toBe(7);
    expect(error.message).toMatch(/no schema registry is configured/);
  });

  it('MalformedRecordError for a bad magic byte', async () => {
    const error = await decodeError(codec.decode('MessageRequest', Buffer.from('{"messageId":"x"}')));
    expect(error).toBeInstanceOf(MalformedRecordError);
    expect((error as MalformedRecordError).reason).toBe('bad-magic');
  });

  it('MalformedRecordError for a truncated header', async () => {
    const error = await decodeError(codec.decode('MessageRequest', Buffer.from([0xc3, 0x01, 0x00])));
    expect((error as MalformedRecordError).reason).toBe('truncated-header');
  });

  it('MalformedRecordError for a body cut short, at every length', async () => {
    const message = await codec.encode('DeliveryEvent', examples.DeliveryEvent);
    for (let length = 10; length < message.length; length++) {
      const error = await decodeError(codec.decode('DeliveryEvent', message.subarray(0, length)));
      expect(error).toBeInstanceOf(MalformedRecordError);
      expect((error as MalformedRecordError).reason).toBe('truncated-body');
    }
  });

  it('MalformedRecordError for bytes left after the record', async () => {
    const message = await codec.encode('MessageStatus', examples.MessageStatus);
    const error = await decodeError(
      codec.decode('MessageStatus', Buffer.concat([message, Buffer.from([0, 0])])),
    );
    expect((error as MalformedRecordError).reason).toBe('trailing-bytes');
    expect(error.message).toMatch(/2 byte\(s\) left after the record/);
  });

  it('MalformedRecordError for an enum index out of range', async () => {
    const message = await codec.encode('MessageStatus', examples.MessageStatus);
    // MessageStatus: eventId (1 + 36 bytes), messageId (1 + 36), senderId (1 + 17), then the status enum.
    const statusAt = 10 + 37 + 37 + 18;
    expect(message[statusAt]).toBe(6 * 2); // READ is symbol 6, zig-zag encoded
    const corrupt = Buffer.from(message);
    corrupt[statusAt] = 60 * 2;
    const error = await decodeError(codec.decode('MessageStatus', corrupt));
    expect((error as MalformedRecordError).reason).toBe('invalid-body');
    expect(error.message).toMatch(/enum be\.smis\.v1\.DeliveryStatus index 60/);
  });

  it('MalformedRecordError, quickly, for an array claiming billions of items', async () => {
    const schema = defaultSchemaCatalog().latest('PreferenceUpdate');
    // channelOrder: a block count of 2^31 (zig-zag varint), then one item.
    const body = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10, 0x00]);
    const started = Date.now();
    const error = await decodeError(
      codec.decode('PreferenceUpdate', encodeSingleObject(schema.fingerprint, body)),
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((error as MalformedRecordError).reason).toBe('truncated-body');
    expect(error.message).toMatch(/block of 2147483648 item\(s\)/);
  });

  it('SchemaMismatchError when the record is another record (wrong topic)', async () => {
    const message = await codec.encode('DeliveryEvent', examples.DeliveryEvent);
    const error = await decodeError(codec.decode('MessageStatus', message));
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect((error as SchemaMismatchError).writer).toBe('be.smis.v1.DeliveryEvent v1');
    expect((error as SchemaMismatchError).reader).toBe('be.smis.v1.MessageStatus v1');
    expect(error.message).toMatch(/is a be\.smis\.v1\.DeliveryEvent, not a be\.smis\.v1\.MessageStatus/);
  });

  it('SchemaMismatchError when two versions of a record are incompatible', async () => {
    const catalog = createSchemaCatalog([
      {
        record: 'Probe',
        version: 1,
        file: 'v1',
        schema: { type: 'record', name: 't.Probe', fields: [{ name: 'a', type: 'string' }] },
      },
      {
        record: 'Probe',
        version: 2,
        file: 'v2',
        schema: { type: 'record', name: 't.Probe', fields: [{ name: 'a', type: 'int' }] },
      },
    ]);
    const writer = createAvroCodec<{ Probe: { a: string } }>({ catalog, writerVersions: { Probe: 1 } });
    const reader = createAvroCodec<{ Probe: { a: number } }>({ catalog });
    const error = await decodeError(reader.decode('Probe', await writer.encode('Probe', { a: 'x' })));
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect(error.message).toMatch(/written as t\.Probe v1, which cannot be read as t\.Probe v2/);
  });
});
