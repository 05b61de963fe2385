import specs from '@asyncapi/specs';
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPIC_CONTRACTS } from '@smis/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ASYNCAPI_PATH, AVRO_SCHEMA_FORMAT, generateAsyncApi } from './asyncapi';
import { REPO_ROOT } from './format';
import { latestVersions, loadSchemaFiles } from './schema-files';

const { files } = loadSchemaFiles(REPO_ROOT);
const onDisk = readFileSync(join(REPO_ROOT, ASYNCAPI_PATH), 'utf8');

interface Ref {
  $ref: string;
}
interface Document {
  asyncapi: string;
  channels: Record<string, { address: string; messages?: Record<string, Ref> }>;
  operations: Record<string, { action: string; channel: Ref; messages: Ref[] }>;
  components: { messages: Record<string, { payload: { schemaFormat: string; schema: unknown } }> };
}
const document = parse(onDisk) as Document;

function resolve(ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

describe('docs/asyncapi.yaml', () => {
  it('is up to date (run tools/schemas/asyncapi.ts after changing schemas or topics)', () => {
    expect(onDisk).toBe(generateAsyncApi(files));
  });

  it('is a valid AsyncAPI 3.0 document', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(specs.schemasWithoutId['3.0.0']);
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
    expect(document.asyncapi).toBe('3.0.0');
  });

  it('has a channel for every topic, with its Avro schema, and operations for its producers and consumers', () => {
    const latest = new Map(latestVersions(files).map((f) => [f.record, f.json]));
    for (const contract of TOPIC_CONTRACTS) {
      const channel = document.channels[contract.id];
      expect(channel?.address).toBe(contract.address);
      const message = resolve(
        channel?.messages?.[contract.value]?.$ref ?? '#/missing',
      ) as Document['components']['messages'][string];
      expect(message.payload.schemaFormat).toBe(AVRO_SCHEMA_FORMAT);
      expect(message.payload.schema).toEqual(latest.get(contract.value));
      for (const party of contract.producers)
        expect(document.operations[`${party}.send.${contract.id}`]?.action).toBe('send');
      for (const party of contract.consumers)
        expect(document.operations[`${party}.receive.${contract.id}`]?.action).toBe('receive');
    }
  });

  it("resolves every reference, and every operation's messages belong to its channel", () => {
    for (const [id, operation] of Object.entries(document.operations)) {
      const channel = resolve(operation.channel.$ref);
      expect(channel, id).toBeDefined();
      for (const message of operation.messages) {
        expect(message.$ref.startsWith(`${operation.channel.$ref}/messages/`), id).toBe(true);
        expect(resolve((resolve(message.$ref) as Ref).$ref), id).toBeDefined();
      }
    }
  });
});
