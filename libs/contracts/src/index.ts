// @smis/contracts: the records on the bus (Avro schemas in schemas/), the topics they travel on,
// and the codec that turns one into the other.
export * from './generated/records';
export {
  TOPICS,
  TOPIC_CONTRACTS,
  STATUS_TOPIC_PATTERN,
  SENDER_ID_PATTERN,
  DLQ_HEADERS,
  statusTopic,
  retryTopic,
  dlqTopic,
  describeTopic,
  isValidSenderId,
  type Party,
  type TopicId,
  type TopicKey,
  type TopicContract,
  type TopicDescription,
} from './topics';
export { createAvroCodec, type AvroCodec, type AvroCodecOptions } from './codec/avro-codec';
export {
  encodeSingleObject,
  encodeConfluent,
  SINGLE_OBJECT_MAGIC,
  SINGLE_OBJECT_HEADER_LENGTH,
  CONFLUENT_MAGIC,
  CONFLUENT_HEADER_LENGTH,
} from './codec/encode';
export { decodeFrame, type RecordFrame } from './codec/decode';
export {
  createSchemaRegistryClient,
  type SchemaRegistryClient,
  type SchemaRegistryClientOptions,
} from './schema-registry/schema-registry-client';
export {
  createSchemaCatalog,
  defaultSchemaCatalog,
  parseAvroSchema,
  type SchemaCatalog,
  type SchemaVersion,
  type SchemaSource,
  type AvroSchemaJson,
} from './schema-catalog';
export { canonicalForm, rabinFingerprint, schemaFingerprint } from './fingerprint';
export { BROADCAST_LIST_CHUNK_SCHEMA, BROADCAST_LIST_TOPIC, type BroadcastListChunk } from './broadcast-list';
export { messageRequestSigningInput, broadcastSigningInput, SIGNING_LABELS, type Unsigned } from './signing';
export {
  ContractError,
  UnknownSchemaError,
  MalformedRecordError,
  SchemaMismatchError,
  RecordValidationError,
  SchemaRegistryError,
  isDecodeError,
  type DecodeError,
  type MalformedReason,
} from './errors';
