import { describe, expect, it } from 'vitest';
import { UnknownSchemaError } from '../errors';
import type { MessageRequest } from '../generated/records';
import { SCHEMA_SOURCES } from '../generated/schemas';
import { createSchemaCatalog, defaultSchemaCatalog, type SchemaSource } from '../schema-catalog';
import { exampleRecords } from '../testing/example-records';
import { createAvroCodec } from './avro-codec';

/** What a compatible MessageRequest v2 could be: a new field with a default, a new channel. */
type MessageRequestV2 = Omit<MessageRequest, 'allowedChannels'> & {
  readonly allowedChannels: readonly ('APP' | 'SMS' | 'EMAIL' | 'UNKNOWN' | 'EBOX')[];
  readonly mandatory: boolean;
};

function messageRequestV2(): SchemaSource {
  const v1 = SCHEMA_SOURCES.find((s) => s.record === 'MessageRequest' && s.version === 1) as SchemaSource;
  const schema = structuredClone(v1.schema) as {
    fields: { name: string; type: unknown; default?: unknown; doc: string }[];
  };
  const channels = schema.fields.find((f) => f.name === 'allowedChannels') as {
    type: { items: { symbols: string[] } };
  };
  channels.type.items.symbols = ['APP', 'SMS', 'EMAIL', 'UNKNOWN', 'EBOX'];
  schema.fields.push({ name: 'mandatory', type: 'boolean', default: false, doc: 'Citizens cannot mute it.' });
  return { record: 'MessageRequest', version: 2, file: 'schemas/message-request/v2.avsc', schema };
}

const v1Only = defaultSchemaCatalog();
const withV2 = createSchemaCatalog([...SCHEMA_SOURCES, messageRequestV2()]);
const request = exampleRecords().MessageRequest;
const requestV2: MessageRequestV2 = { ...request, allowedChannels: ['APP', 'EBOX'], mandatory: true };

describe('schema resolution across versions', () => {
  it('a newer reader reads an older record, filling new fields with their defaults', async () => {
    const writer = createAvroCodec({ catalog: v1Only });
    const reader = createAvroCodec<{ MessageRequest: MessageRequestV2 }>({ catalog: withV2 });
    const decoded = await reader.decode('MessageRequest', await writer.encode('MessageRequest', request));
    expect(decoded).toEqual({ ...request, mandatory: false });
  });

  it('an older reader reads a newer record it knows the schema of, dropping new fields and mapping new symbols to the default', async () => {
    const writer = createAvroCodec<{ MessageRequest: MessageRequestV2 }>({ catalog: withV2 });
    const reader = createAvroCodec({ catalog: withV2, readerVersions: { MessageRequest: 1 } });
    const message = await writer.encode('MessageRequest', requestV2);
    expect(message.subarray(2, 10)).toEqual(withV2.version('MessageRequest', 2).fingerprint);
    expect(await reader.decode('MessageRequest', message)).toEqual({
      ...request,
      allowedChannels: ['APP', 'UNKNOWN'],
    });
  });

  it('a pinned writer version writes the previous schema while the new one rolls out', async () => {
    const writer = createAvroCodec({ catalog: withV2, writerVersions: { MessageRequest: 1 } });
    const message = await writer.encode('MessageRequest', request);
    expect(message.subarray(2, 10)).toEqual(v1Only.latest('MessageRequest').fingerprint);
    expect(await createAvroCodec({ catalog: v1Only }).decode('MessageRequest', message)).toEqual(request);
  });

  it('a reader whose catalog lacks the writer version cannot resolve it: UnknownSchemaError', async () => {
    const writer = createAvroCodec<{ MessageRequest: MessageRequestV2 }>({ catalog: withV2 });
    const error = await createAvroCodec({ catalog: v1Only })
      .decode('MessageRequest', await writer.encode('MessageRequest', requestV2))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect((error as UnknownSchemaError).fingerprint).toBe(
      withV2.version('MessageRequest', 2).fingerprint.toString('hex'),
    );
  });

  it('the catalog finds every version by its fingerprint', () => {
    for (const version of withV2.versions('MessageRequest')) {
      expect(withV2.byFingerprint(version.fingerprint)).toBe(version);
    }
    expect(withV2.latest('MessageRequest').version).toBe(2);
    expect(() => withV2.version('MessageRequest', 3)).toThrow(
      /MessageRequest has no version 3; known: v1, v2/,
    );
    expect(() => withV2.latest('Nope')).toThrow(/no record named Nope/);
  });
});
