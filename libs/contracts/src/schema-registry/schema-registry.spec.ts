import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAvroCodec } from '../codec/avro-codec';
import { SchemaRegistryError, UnknownSchemaError } from '../errors';
import { SCHEMA_SOURCES } from '../generated/schemas';
import { createSchemaCatalog, defaultSchemaCatalog, type SchemaSource } from '../schema-catalog';
import { exampleRecords } from '../testing/example-records';
import { startLocalSchemaRegistry, type LocalSchemaRegistry } from '../testing/local-schema-registry';
import { createSchemaRegistryClient } from './schema-registry-client';

const examples = exampleRecords();
let registry: LocalSchemaRegistry;

beforeAll(async () => {
  registry = await startLocalSchemaRegistry();
});
afterAll(() => registry.close());
beforeEach(() => {
  registry.requests.length = 0;
});

const codecWithRegistry = (options: Parameters<typeof createAvroCodec>[0] = {}) =>
  createAvroCodec({ ...options, schemaRegistry: createSchemaRegistryClient({ url: `${registry.url}/` }) });

describe('Confluent wire format with a schema registry', () => {
  it('registers the schema under the record name, frames with 0x00 and the id, and decodes', async () => {
    const codec = codecWithRegistry();
    const message = await codec.encode('DeliveryEvent', examples.DeliveryEvent);
    expect(message[0]).toBe(0x00);
    const id = message.readUInt32BE(1);
    expect(registry.requests).toEqual(['POST /subjects/be.smis.v1.DeliveryEvent/versions']);
    expect(await codec.decode('DeliveryEvent', message)).toEqual(examples.DeliveryEvent);
    expect(registry.requests).toEqual([
      'POST /subjects/be.smis.v1.DeliveryEvent/versions',
      `GET /schemas/ids/${id}`,
    ]);
  });

  it('caches ids and schemas: one request per schema and per id, whatever the number of records', async () => {
    const producer = codecWithRegistry();
    const consumer = codecWithRegistry();
    const messages = await Promise.all(
      Array.from({ length: 20 }, () => producer.encode('MessageStatus', examples.MessageStatus)),
    );
    await Promise.all(messages.map((m) => consumer.decode('MessageStatus', m)));
    await Promise.all(messages.map((m) => consumer.decode('MessageStatus', m)));
    expect(registry.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
    expect(registry.requests.filter((r) => r.startsWith('GET'))).toHaveLength(1);
  });

  it('still decodes single-object records when a registry is configured', async () => {
    const message = await createAvroCodec().encode('OtpRequest', examples.OtpRequest);
    expect(await codecWithRegistry().decode('OtpRequest', message)).toEqual(examples.OtpRequest);
    expect(registry.requests).toEqual([]);
  });

  it('resolves a writer schema the reader has never seen, fetched from the registry', async () => {
    const v1 = SCHEMA_SOURCES.find((s) => s.record === 'MessageStatus') as SchemaSource;
    const schema = structuredClone(v1.schema) as { fields: unknown[] };
    schema.fields.push({
      name: 'webhookAttempt',
      type: 'int',
      default: 0,
      doc: 'Delivery attempt of the webhook.',
    });
    const newer = createSchemaCatalog([...SCHEMA_SOURCES, { ...v1, version: 2, schema }]);
    const writer = codecWithRegistry({ catalog: newer });
    const message = await writer.encode('MessageStatus', {
      ...examples.MessageStatus,
      webhookAttempt: 3,
    } as never);
    // This reader's catalog has v1 only: the registry supplies v2 and resolution drops the new field.
    expect(
      await codecWithRegistry({ catalog: defaultSchemaCatalog() }).decode('MessageStatus', message),
    ).toEqual(examples.MessageStatus);
  });

  it('UnknownSchemaError when the registry does not know the id', async () => {
    const message = Buffer.from('00000003e7' + '00', 'hex'); // id 999
    const error = await codecWithRegistry()
      .decode('MessageRequest', message)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect((error as UnknownSchemaError).schemaId).toBe(999);
    expect((error as UnknownSchemaError).retriable).toBe(false);
    expect((error as Error).message).toMatch(/HTTP 404: Schema 999 not found/);
  });

  it('a retriable SchemaRegistryError when the registry fails, and no cached failure', async () => {
    const client = createSchemaRegistryClient({ url: registry.url });
    const subject = 'be.smis.v1.Flaky';
    const schema = JSON.stringify({ type: 'record', name: 'be.smis.v1.Flaky', fields: [] });
    registry.failNext(1);
    const error = await client.register(subject, schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).status).toBe(500);
    expect((error as SchemaRegistryError).errorCode).toBe(50001);
    expect((error as SchemaRegistryError).retriable).toBe(true);
    expect(await client.register(subject, schema)).toBeGreaterThan(0);
  });

  it('a retriable SchemaRegistryError when nothing answers', async () => {
    const client = createSchemaRegistryClient({ url: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    const error = await client.schemaById(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).status).toBeUndefined();
    expect((error as SchemaRegistryError).retriable).toBe(true);
  });

  it('a non-retriable SchemaRegistryError for a refused schema', async () => {
    const fetchStub: typeof fetch = async () =>
      new Response(JSON.stringify({ error_code: 409, message: 'Schema being registered is incompatible' }), {
        status: 409,
      });
    const client = createSchemaRegistryClient({ url: 'http://registry.invalid', fetch: fetchStub });
    const error = await client.register('s', '"int"').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect((error as SchemaRegistryError).retriable).toBe(false);
    expect((error as Error).message).toMatch(/HTTP 409: Schema being registered is incompatible/);
  });
});
