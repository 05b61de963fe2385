import { SchemaRegistryError } from '../errors';

/** The two schema registry calls the codec needs (Confluent Schema Registry REST API). */
export interface SchemaRegistryClient {
  /** Registers `schema` (Avro JSON) under `subject`, or finds it registered; resolves to its global id. */
  register(subject: string, schema: string): Promise<number>;
  /** The Avro JSON schema registered under a global id. */
  schemaById(id: number): Promise<string>;
}

export interface SchemaRegistryClientOptions {
  /** Base URL, for example `http://localhost:8081`. */
  readonly url: string;
  /** Extra headers on every request (for example `authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * A registry client that caches every answer: ids and schemas never change once registered, so
 * each (subject, schema) and each id costs one request per process. Concurrent callers share
 * the request in flight; a failed request is not cached.
 */
export function createSchemaRegistryClient(options: SchemaRegistryClientOptions): SchemaRegistryClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ids = new Map<string, Promise<number>>();
  const schemas = new Map<number, Promise<string>>();

  async function request(path: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<unknown> {
    const url = `${base}${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: init.method,
        headers: { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE, ...options.headers },
        body: init.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new SchemaRegistryError({ url, detail: describe(error) }, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      throw new SchemaRegistryError(
        { url, status: response.status, detail: `the answer is not JSON: ${text.slice(0, 200)}` },
        { cause: error },
      );
    }
    if (!response.ok) {
      const body = (json ?? {}) as { error_code?: unknown; message?: unknown };
      throw new SchemaRegistryError({
        url,
        status: response.status,
        errorCode: typeof body.error_code === 'number' ? body.error_code : undefined,
        detail: typeof body.message === 'string' ? body.message : text.slice(0, 200) || response.statusText,
      });
    }
    return json;
  }

  function cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    const hit = cache.get(key);
    if (hit) return hit;
    const pending = load();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  return {
    register: (subject, schema) =>
      cached(ids, `${subject}\n${schema}`, async () => {
        const path = `/subjects/${encodeURIComponent(subject)}/versions`;
        const body = (await request(path, { method: 'POST', body: JSON.stringify({ schema }) })) as
          { id?: unknown } | undefined;
        if (typeof body?.id !== 'number') {
          throw new SchemaRegistryError({
            url: `${base}${path}`,
            status: 200,
            detail: 'the answer has no numeric `id`',
          });
        }
        return body.id;
      }),
    schemaById: (id) =>
      cached(schemas, id, async () => {
        const path = `/schemas/ids/${id}`;
        const body = (await request(path, { method: 'GET' })) as
          { schema?: unknown; schemaType?: unknown } | undefined;
        if (typeof body?.schema !== 'string') {
          throw new SchemaRegistryError({
            url: `${base}${path}`,
            status: 200,
            detail: 'the answer has no `schema` string',
          });
        }
        if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
          throw new SchemaRegistryError({
            url: `${base}${path}`,
            status: 200,
            detail: `schema ${id} is ${String(body.schemaType)}, not AVRO`,
          });
        }
        return body.schema;
      }),
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
