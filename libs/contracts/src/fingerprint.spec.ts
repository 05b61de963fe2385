import { describe, expect, it } from 'vitest';
import { canonicalForm, rabinFingerprint, schemaFingerprint } from './fingerprint';
import { parseAvroSchema } from './schema-catalog';

// Vectors from the Avro specification's test suite (share/test/data/schema-tests.txt):
// input schema, its Parsing Canonical Form, and the CRC-64-AVRO fingerprint as a signed long.
const VECTORS: { input: unknown; canonical: string; fingerprint: bigint }[] = [
  { input: 'null', canonical: '"null"', fingerprint: 7195948357588979594n },
  { input: 'int', canonical: '"int"', fingerprint: 8247732601305521295n },
  { input: { type: 'string' }, canonical: '"string"', fingerprint: -8142146995180207161n },
  { input: ['int', { type: 'boolean' }], canonical: '["int","boolean"]', fingerprint: 5392556393470105090n },
  {
    input: { fields: [], type: 'record', name: 'foo', namespace: 'x.y' },
    canonical: '{"name":"x.y.foo","type":"record","fields":[]}',
    fingerprint: 5916914534497305771n,
  },
  {
    input: {
      fields: [
        { type: 'boolean', aliases: [], name: 'f1', default: true },
        { order: 'descending', name: 'f2', doc: 'Hello', type: 'int' },
      ],
      type: 'record',
      name: 'foo',
    },
    canonical:
      '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    fingerprint: -4860222112080293046n,
  },
  {
    input: { namespace: 'x.y.z', type: 'enum', name: 'foo', doc: 'foo bar', symbols: ['A1', 'A2'] },
    canonical: '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
    fingerprint: -4448647247586288245n,
  },
  {
    input: { namespace: 'x.y.z', type: 'fixed', name: 'foo', doc: 'foo bar', size: 32 },
    canonical: '{"name":"x.y.z.foo","type":"fixed","size":32}',
    fingerprint: -3064184465700546786n,
  },
  {
    input: { items: { type: 'null' }, type: 'array' },
    canonical: '{"type":"array","items":"null"}',
    fingerprint: -589620603366471059n,
  },
  {
    input: { values: 'string', type: 'map' },
    canonical: '{"type":"map","values":"string"}',
    fingerprint: -8732877298790414990n,
  },
  {
    input: {
      name: 'PigValue',
      type: 'record',
      fields: [{ name: 'value', type: ['null', 'int', 'long', 'PigValue'] }],
    },
    canonical:
      '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    fingerprint: -1759257747318642341n,
  },
];

describe('CRC-64-AVRO fingerprints', () => {
  it.each(VECTORS)(
    'canonicalizes and fingerprints $canonical as the Avro specification does',
    ({ input, canonical, fingerprint }) => {
      const type = parseAvroSchema(input as never);
      expect(canonicalForm(type)).toBe(canonical);
      const bytes = schemaFingerprint(type);
      expect(bytes).toHaveLength(8);
      // Single-object encoding carries the fingerprint little-endian.
      expect(bytes.readBigInt64LE()).toBe(fingerprint);
      expect(rabinFingerprint(canonical)).toEqual(bytes);
    },
  );

  it('ignores docs, defaults and logical types, which do not change the bytes', () => {
    const plain = parseAvroSchema({ type: 'record', name: 'a.R', fields: [{ name: 't', type: 'long' }] });
    const annotated = parseAvroSchema({
      type: 'record',
      name: 'R',
      namespace: 'a',
      doc: 'A record.',
      fields: [
        { name: 't', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'When.', default: 0 },
      ],
    });
    expect(schemaFingerprint(annotated)).toEqual(schemaFingerprint(plain));
  });
});
