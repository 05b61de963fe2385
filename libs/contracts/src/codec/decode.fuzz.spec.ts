import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../errors';
import { RECORD_NAMES, type RecordName } from '../generated/records';
import { defaultSchemaCatalog } from '../schema-catalog';
import { exampleRecords } from '../testing/example-records';
import { createAvroCodec } from './avro-codec';
import { encodeSingleObject } from './encode';

const codec = createAvroCodec();
const catalog = defaultSchemaCatalog();
const examples = exampleRecords();
const record = fc.constantFrom(...RECORD_NAMES);

/** Decoding any bytes ends, soon, either with a value or with a typed decode error; nothing else. */
async function decodesOrFailsTyped(name: RecordName, bytes: Uint8Array): Promise<void> {
  const started = performance.now();
  try {
    await codec.decode(name, Buffer.from(bytes));
  } catch (error) {
    if (!isDecodeError(error)) throw error;
    expect(error.retriable).toBe(false);
  }
  expect(performance.now() - started).toBeLessThan(250);
}

describe('decoder fuzzing', () => {
  it('arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(record, fc.uint8Array({ maxLength: 256 }), (name, bytes) =>
        decodesOrFailsTyped(name, bytes),
      ),
      { numRuns: 1_000 },
    );
  });

  it('a known single-object header followed by arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(record, record, fc.uint8Array({ maxLength: 512 }), (reader, writer, body) =>
        decodesOrFailsTyped(
          reader,
          encodeSingleObject(catalog.latest(writer).fingerprint, Buffer.from(body)),
        ),
      ),
      { numRuns: 2_000 },
    );
  });

  it('valid records with bytes overwritten, cut or inserted', async () => {
    const encoded = new Map<RecordName, Buffer>();
    for (const name of RECORD_NAMES) encoded.set(name, await codec.encode(name, examples[name]));
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(record, fc.array(edit, { minLength: 1, maxLength: 4 }), (name, edits) => {
        let bytes = Buffer.from(encoded.get(name) as Buffer);
        for (const e of edits) {
          // Edits after the header exercise the body; the header is covered by the other properties.
          const at = 10 + (e.at % Math.max(1, bytes.length - 10));
          if (e.kind === 'set') bytes[at] = e.byte;
          else if (e.kind === 'cut') bytes = bytes.subarray(0, at);
          else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes), bytes.subarray(at)]);
        }
        return decodesOrFailsTyped(name, bytes);
      }),
      { numRuns: 2_000 },
    );
  });

  it('Confluent headers with no registry configured', async () => {
    await fc.assert(
      fc.asyncProperty(record, fc.uint8Array({ minLength: 4, maxLength: 64 }), (name, rest) =>
        decodesOrFailsTyped(name, Buffer.concat([Buffer.from([0]), Buffer.from(rest)])),
      ),
      { numRuns: 300 },
    );
  });
});
