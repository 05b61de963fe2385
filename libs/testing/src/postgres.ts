import { Client } from 'pg';
import { uniqueName } from './names';

/** The server tests use unless DATABASE_URL says otherwise (trust auth on this machine). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function serverUrl(): string {
  return process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database on the test server; `drop()` removes it. */
export async function createTestDatabase(prefix = 'smis_test'): Promise<TestDatabase> {
  const admin = serverUrl();
  const name = uniqueName(prefix).replace(/-/g, '_');
  const client = new Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Cannot reach PostgreSQL at ${new URL(admin).host} (${(error as Error).message}). ` +
        'Start it (see README, "Prerequisites") or set DATABASE_URL.',
    );
  }
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return {
    name,
    url: withDatabase(admin, name),
    async drop() {
      const c = new Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
