import { Type } from 'avsc';
import { canonicalForm, schemaFingerprint } from './fingerprint';
import { SCHEMA_SOURCES } from './generated/schemas';

/** An Avro schema as JSON (a record schema for every topic value). */
export type AvroSchemaJson = { readonly [key: string]: unknown };

/** One released version of one record's schema, as checked in under `schemas/<record>/v<version>.avsc`. */
export interface SchemaSource {
  /** The record's short name, for example `MessageRequest`. */
  readonly record: string;
  readonly version: number;
  /** Path of the `.avsc` file, relative to the repository root. */
  readonly file: string;
  readonly schema: AvroSchemaJson;
}

/** A schema version ready to read and write: parsed, canonicalized, fingerprinted. */
export interface SchemaVersion {
  readonly record: string;
  readonly version: number;
  readonly file: string;
  /** Full Avro name, for example `be.smis.v1.MessageRequest`. */
  readonly fullName: string;
  /** The schema as written, docs included (what is registered with a schema registry). */
  readonly schema: AvroSchemaJson;
  readonly canonicalForm: string;
  /** CRC-64-AVRO of the canonical form, 8 bytes little-endian (as in single-object encoding). */
  readonly fingerprint: Buffer;
  readonly type: Type;
}

/** The known versions of every record: the writer schemas a decoder can resolve, by fingerprint. */
export interface SchemaCatalog {
  records(): readonly string[];
  versions(record: string): readonly SchemaVersion[];
  latest(record: string): SchemaVersion;
  version(record: string, version: number): SchemaVersion;
  byFingerprint(fingerprint: Buffer): SchemaVersion | undefined;
}

/**
 * Parses an Avro schema the way every @smis/contracts codec does: unions of null and one type
 * are plain nullable values, longs are JavaScript numbers (timestamps in epoch milliseconds),
 * bytes and fixed are Buffers, records are plain objects. A string is a type name (`"int"`), not JSON text.
 */
export function parseAvroSchema(schema: AvroSchemaJson | readonly unknown[] | string): Type {
  return Type.forSchema(schema as Parameters<typeof Type.forSchema>[0], {
    wrapUnions: 'auto',
    omitRecordMethods: true,
  });
}

export function createSchemaCatalog(sources: readonly SchemaSource[]): SchemaCatalog {
  const byRecord = new Map<string, SchemaVersion[]>();
  const byFingerprint = new Map<string, SchemaVersion>();
  for (const source of sources) {
    const type = parseAvroSchema(source.schema);
    const canonical = canonicalForm(type);
    const entry: SchemaVersion = {
      record: source.record,
      version: source.version,
      file: source.file,
      fullName: type.name ?? source.record,
      schema: source.schema,
      canonicalForm: canonical,
      fingerprint: schemaFingerprint(type),
      type,
    };
    const list = byRecord.get(source.record) ?? [];
    if (list.some((v) => v.version === source.version)) {
      throw new TypeError(`Schema catalog: ${source.record} v${source.version} is listed twice.`);
    }
    list.push(entry);
    byRecord.set(source.record, list);
  }
  for (const list of byRecord.values()) {
    list.sort((a, b) => a.version - b.version);
    for (const entry of list) {
      // A version that only changed docs has the previous one's fingerprint: both read the same
      // bytes, and the oldest answers for both.
      const key = entry.fingerprint.toString('hex');
      if (!byFingerprint.has(key)) byFingerprint.set(key, entry);
    }
  }

  const versions = (record: string): SchemaVersion[] => {
    const list = byRecord.get(record);
    if (!list) {
      throw new TypeError(
        `Schema catalog: no record named ${record}; known: ${[...byRecord.keys()].sort().join(', ')}.`,
      );
    }
    return list;
  };

  return {
    records: () => [...byRecord.keys()].sort(),
    versions,
    latest: (record) => versions(record)[versions(record).length - 1] as SchemaVersion,
    version: (record, version) => {
      const found = versions(record).find((v) => v.version === version);
      if (!found) {
        throw new TypeError(
          `Schema catalog: ${record} has no version ${version}; known: ${versions(record)
            .map((v) => `v${v.version}`)
            .join(', ')}.`,
        );
      }
      return found;
    },
    byFingerprint: (fingerprint) => byFingerprint.get(fingerprint.toString('hex')),
  };
}

let defaultCatalog: SchemaCatalog | undefined;

/** The catalog of every schema version in `schemas/` (built on first use). */
export function defaultSchemaCatalog(): SchemaCatalog {
  defaultCatalog ??= createSchemaCatalog(SCHEMA_SOURCES);
  return defaultCatalog;
}
