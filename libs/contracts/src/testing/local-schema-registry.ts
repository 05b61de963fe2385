import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny schema registry speaking the two Confluent endpoints the codec uses, on a random local port. */
export interface LocalSchemaRegistry {
  readonly url: string;
  /** Every request, as `METHOD path`. */
  readonly requests: string[];
  /** Registers a schema directly (as another producer would have); returns its id. */
  add(subject: string, schema: string): number;
  /** Answers the next n requests with HTTP 500. */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startLocalSchemaRegistry(): Promise<LocalSchemaRegistry> {
  const ids = new Map<string, number>();
  const schemas = new Map<number, string>();
  const requests: string[] = [];
  let failures = 0;

  const add = (_subject: string, schema: string): number => {
    let id = ids.get(schema);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(schema, id);
      schemas.set(id, schema);
    }
    return id;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/';
      requests.push(`${req.method} ${path}`);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(body));
      };
      if (failures > 0) {
        failures--;
        return reply(500, { error_code: 50001, message: 'Error in the backend data store' });
      }
      const register = /^\/subjects\/([^/]+)\/versions$/.exec(path);
      if (req.method === 'POST' && register) {
        const body = JSON.parse(await readBody(req)) as { schema?: unknown };
        if (typeof body.schema !== 'string')
          return reply(422, { error_code: 42201, message: 'Invalid schema' });
        return reply(200, { id: add(decodeURIComponent(register[1] as string), body.schema) });
      }
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
      if (req.method === 'GET' && byId) {
        const schema = schemas.get(Number(byId[1]));
        return schema === undefined
          ? reply(404, { error_code: 40403, message: `Schema ${byId[1]} not found` })
          : reply(200, { schema });
      }
      reply(404, { error_code: 404, message: 'HTTP 404 Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    add,
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
