/**
 * Every error @smis/contracts throws, in one place (as in kafkajs). Each has a `name`, a
 * `retriable` flag and context fields. Decode errors are never retriable: the same bytes
 * fail the same way, so the record belongs in the topic's DLQ with the error's name and
 * message in its headers.
 */
export abstract class ContractError extends Error {
  abstract readonly retriable: boolean;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why a record's bytes could not be read. */
export type MalformedReason =
  'bad-magic' | 'truncated-header' | 'truncated-body' | 'invalid-body' | 'trailing-bytes';

/** The record's writer schema is not known: not in the schema catalog, not in the registry. */
export class UnknownSchemaError extends ContractError {
  override readonly name = 'UnknownSchemaError';
  readonly retriable = false as const;
  /** The record the caller expected (the reader's record name). */
  readonly record: string;
  /** Single-object encoding: the writer schema's CRC-64-AVRO fingerprint, 16 hex digits (as on the wire). */
  readonly fingerprint: string | undefined;
  /** Confluent wire format: the registry's schema id. */
  readonly schemaId: number | undefined;

  constructor(
    args: { record: string; fingerprint?: string; schemaId?: number; detail?: string },
    options?: { cause?: unknown },
  ) {
    const which =
      args.fingerprint !== undefined
        ? `fingerprint ${args.fingerprint}`
        : `schema registry id ${String(args.schemaId)}`;
    super(
      `Cannot decode a ${args.record}: its writer schema (${which}) is unknown${args.detail ? ` (${args.detail})` : ''}. ` +
        'The producer writes a schema version this service does not know: deploy a build of @smis/contracts ' +
        'that includes it (or configure the schema registry), then replay the record from the DLQ.',
      options,
    );
    this.record = args.record;
    this.fingerprint = args.fingerprint;
    this.schemaId = args.schemaId;
  }
}

/** The bytes are not a record: wrong magic, cut short, a body that does not match its schema, bytes left over. */
export class MalformedRecordError extends ContractError {
  override readonly name = 'MalformedRecordError';
  readonly retriable = false as const;
  readonly record: string;
  readonly reason: MalformedReason;

  constructor(
    args: { record: string; reason: MalformedReason; detail: string },
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot decode a ${args.record}: ${args.reason}: ${args.detail}. ` +
        'The record is corrupt or was not written by an @smis/contracts codec; it will never decode.',
      options,
    );
    this.record = args.record;
    this.reason = args.reason;
  }
}

/** The writer schema is known but cannot be read as the reader schema (another record, or incompatible versions). */
export class SchemaMismatchError extends ContractError {
  override readonly name = 'SchemaMismatchError';
  readonly retriable = false as const;
  readonly record: string;
  /** The writer schema: full name and version or fingerprint. */
  readonly writer: string;
  /** The reader schema: full name and version. */
  readonly reader: string;

  constructor(
    args: { record: string; writer: string; reader: string; detail: string },
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot decode a ${args.record}: written as ${args.writer}, which cannot be read as ${args.reader}: ${args.detail}. ` +
        'Either the record is on the wrong topic or the schemas broke compatibility (tools/schemas/check.ts should have refused that).',
      options,
    );
    this.record = args.record;
    this.writer = args.writer;
    this.reader = args.reader;
  }
}

/** A value handed to `encode` does not match the writer schema. A programming error: never retried. */
export class RecordValidationError extends ContractError {
  override readonly name = 'RecordValidationError';
  readonly retriable = false as const;
  readonly record: string;
  /** Paths of the invalid fields, for example `content.parts.0.sizeBytes`. */
  readonly paths: readonly string[];

  constructor(args: { record: string; schema: string; paths: readonly string[] }) {
    super(
      `Cannot encode a ${args.record} with ${args.schema}: invalid or missing field(s) ${args.paths.map((p) => `\`${p || '(record)'}\``).join(', ')}.`,
    );
    this.record = args.record;
    this.paths = args.paths;
  }
}

/** The schema registry did not answer as expected. Retriable when the registry is down or overloaded. */
export class SchemaRegistryError extends ContractError {
  override readonly name = 'SchemaRegistryError';
  readonly retriable: boolean;
  /** HTTP status, or undefined when no answer came (network error, timeout). */
  readonly status: number | undefined;
  /** The registry's own error code (for example 40403: schema not found), when it gave one. */
  readonly errorCode: number | undefined;
  readonly url: string;

  constructor(
    args: { url: string; status?: number; errorCode?: number; detail: string },
    options?: { cause?: unknown },
  ) {
    super(
      `Schema registry request ${args.url} failed${args.status !== undefined ? ` with HTTP ${args.status}` : ''}: ${args.detail}.`,
      options,
    );
    this.url = args.url;
    this.status = args.status;
    this.errorCode = args.errorCode;
    this.retriable = args.status === undefined || args.status >= 500 || args.status === 429;
  }
}

/** The errors `decode` rejects with for bad input: all go to the DLQ. */
export type DecodeError = UnknownSchemaError | MalformedRecordError | SchemaMismatchError;

export function isDecodeError(error: unknown): error is DecodeError {
  return (
    error instanceof UnknownSchemaError ||
    error instanceof MalformedRecordError ||
    error instanceof SchemaMismatchError
  );
}
