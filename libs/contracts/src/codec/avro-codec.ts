import type { Type } from 'avsc';
import {
  ContractError,
  MalformedRecordError,
  RecordValidationError,
  SchemaMismatchError,
  SchemaRegistryError,
  UnknownSchemaError,
} from '../errors';
import type { RecordTypes } from '../generated/records';
import { schemaFingerprint } from '../fingerprint';
import {
  defaultSchemaCatalog,
  parseAvroSchema,
  type AvroSchemaJson,
  type SchemaCatalog,
  type SchemaVersion,
} from '../schema-catalog';
import type { SchemaRegistryClient } from '../schema-registry/schema-registry-client';
import { findBodyDefect } from './body-walk';
import { decodeFrame } from './decode';
import { encodeConfluent, encodeSingleObject } from './encode';

/**
 * Turns records into Kafka message values and back. Encodes with Avro single-object encoding,
 * or with the Confluent wire format when a schema registry is configured; decodes either,
 * resolving the writer's schema version to the reader's.
 *
 * `encode` rejects with RecordValidationError (a bug in the caller) or SchemaRegistryError;
 * `decode` rejects with UnknownSchemaError, MalformedRecordError or SchemaMismatchError (send
 * the record to the DLQ), or a retriable SchemaRegistryError (retry later).
 */
export interface AvroCodec<M extends object = RecordTypes> {
  encode<N extends keyof M & string>(record: N, value: M[N]): Promise<Buffer>;
  decode<N extends keyof M & string>(record: N, message: Buffer): Promise<M[N]>;
}

export interface AvroCodecOptions {
  /** Known schema versions; defaults to every version in `schemas/`. */
  readonly catalog?: SchemaCatalog;
  /** When set, `encode` writes the Confluent wire format with ids from this registry. */
  readonly schemaRegistry?: SchemaRegistryClient;
  /** Registry subject of a schema; defaults to the record's full name (RecordNameStrategy). */
  readonly subjectOf?: (schema: SchemaVersion) => string;
  /**
   * Version to write, per record; defaults to the latest. Pin the previous version while a new
   * one rolls out, so consumers still on the previous catalog can read what is written.
   */
  readonly writerVersions?: Readonly<Record<string, number>>;
  /**
   * Version to read as, per record; defaults to the latest. A pinned older reader gets the older
   * shape (fields added later are absent): type the codec accordingly.
   */
  readonly readerVersions?: Readonly<Record<string, number>>;
}

interface Writer {
  readonly label: string;
  readonly fullName: string;
  readonly type: Type;
  /** Hex fingerprint, the key of resolver caches. */
  readonly key: string;
}

export function createAvroCodec<M extends object = RecordTypes>(
  options: AvroCodecOptions = {},
): AvroCodec<M> {
  const catalog = options.catalog ?? defaultSchemaCatalog();
  const registry = options.schemaRegistry;
  const subjectOf = options.subjectOf ?? ((schema: SchemaVersion) => schema.fullName);
  // Resolvers are costly to build and few: one per (writer, reader) pair ever seen.
  const resolvers = new Map<string, ReturnType<Type['createResolver']> | null>();
  const registryWriters = new Map<number, Writer>();

  const writerOf = (record: string): SchemaVersion => {
    const pinned = options.writerVersions?.[record];
    return pinned === undefined ? catalog.latest(record) : catalog.version(record, pinned);
  };
  const readerOf = (record: string): SchemaVersion => {
    const pinned = options.readerVersions?.[record];
    return pinned === undefined ? catalog.latest(record) : catalog.version(record, pinned);
  };

  async function encode(record: string, value: unknown): Promise<Buffer> {
    const writer = writerOf(record);
    const paths: string[] = [];
    if (!writer.type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) })) {
      throw new RecordValidationError({ record, schema: `${writer.fullName} v${writer.version}`, paths });
    }
    const body = writer.type.toBuffer(value);
    if (!registry) return encodeSingleObject(writer.fingerprint, body);
    const id = await registry.register(subjectOf(writer), JSON.stringify(writer.schema));
    return encodeConfluent(id, body);
  }

  async function decode(record: string, message: Buffer): Promise<unknown> {
    const frame = decodeFrame(message, record);
    const reader = readerOf(record);
    const writer =
      frame.format === 'single-object'
        ? catalogWriter(record, frame.fingerprint)
        : await registryWriter(record, frame.schemaId);

    if (writer.fullName !== reader.fullName && !reader.type.aliases?.includes(writer.fullName)) {
      throw new SchemaMismatchError({
        record,
        writer: writer.label,
        reader: `${reader.fullName} v${reader.version}`,
        detail: `the record is a ${writer.fullName}, not a ${reader.fullName} (is it on the right topic?)`,
      });
    }
    const resolver = resolverFor(record, writer, reader);

    const defect = findBodyDefect(writer.type, frame.body);
    if (defect) {
      throw new MalformedRecordError({
        record,
        reason: defect.reason,
        detail: `${writer.label} body: ${defect.detail}`,
      });
    }
    try {
      const { value, offset } = reader.type.decode(frame.body, 0, resolver ?? undefined);
      if (offset !== frame.body.length) {
        throw new Error(
          offset < 0
            ? 'the body is cut short'
            : `${frame.body.length - offset} byte(s) left after the record`,
        );
      }
      return value;
    } catch (error) {
      if (error instanceof ContractError) throw error;
      throw new MalformedRecordError(
        { record, reason: 'invalid-body', detail: `${writer.label} body: ${(error as Error).message}` },
        { cause: error },
      );
    }
  }

  function catalogWriter(record: string, fingerprint: Buffer): Writer {
    const known = catalog.byFingerprint(fingerprint);
    if (!known) throw new UnknownSchemaError({ record, fingerprint: fingerprint.toString('hex') });
    return {
      label: `${known.fullName} v${known.version}`,
      fullName: known.fullName,
      type: known.type,
      key: known.fingerprint.toString('hex'),
    };
  }

  async function registryWriter(record: string, schemaId: number): Promise<Writer> {
    const cached = registryWriters.get(schemaId);
    if (cached) return cached;
    if (!registry) {
      throw new UnknownSchemaError({
        record,
        schemaId,
        detail: 'the record is in the Confluent wire format and no schema registry is configured',
      });
    }
    let schema: string;
    try {
      schema = await registry.schemaById(schemaId);
    } catch (error) {
      if (error instanceof SchemaRegistryError && !error.retriable) {
        throw new UnknownSchemaError({ record, schemaId, detail: error.message }, { cause: error });
      }
      throw error;
    }
    let type: Type;
    try {
      type = parseAvroSchema(JSON.parse(schema) as AvroSchemaJson);
    } catch (error) {
      throw new UnknownSchemaError(
        { record, schemaId, detail: `the registry's schema does not parse: ${(error as Error).message}` },
        { cause: error },
      );
    }
    const fingerprint = schemaFingerprint(type);
    const known = catalog.byFingerprint(fingerprint);
    const writer: Writer = {
      label: known
        ? `${known.fullName} v${known.version} (registry id ${schemaId})`
        : `${type.name ?? 'schema'} (registry id ${schemaId})`,
      fullName: type.name ?? type.typeName,
      type: known?.type ?? type,
      key: fingerprint.toString('hex'),
    };
    registryWriters.set(schemaId, writer);
    return writer;
  }

  function resolverFor(record: string, writer: Writer, reader: SchemaVersion) {
    const key = `${writer.key}>${reader.fingerprint.toString('hex')}`;
    if (resolvers.has(key)) return resolvers.get(key) ?? null;
    let resolver: ReturnType<Type['createResolver']> | null = null;
    if (writer.key !== reader.fingerprint.toString('hex')) {
      try {
        resolver = reader.type.createResolver(writer.type);
      } catch (error) {
        throw new SchemaMismatchError(
          {
            record,
            writer: writer.label,
            reader: `${reader.fullName} v${reader.version}`,
            detail: (error as Error).message,
          },
          { cause: error },
        );
      }
    }
    resolvers.set(key, resolver);
    return resolver;
  }

  return {
    encode: (record, value) => encode(record, value),
    decode: <N extends keyof M & string>(record: N, message: Buffer) =>
      decode(record, message) as Promise<M[N]>,
  };
}
