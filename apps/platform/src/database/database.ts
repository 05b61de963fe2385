import { acquireEmbeddedDatabase, pgliteDriver } from '@smis/persistence';
import { Pool } from 'pg';

/** The smallest surface the platform needs before the services bring TypeORM. */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** Where it lives, without credentials. */
  readonly location: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl, max: 5, connectionTimeoutMillis: 5000 });
    const url = new URL(options.databaseUrl);
    return {
      kind: 'postgres',
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      async query<T>(sql: string, params?: unknown[]) {
        return (await pool.query(sql, params)).rows as T[];
      },
      close: () => pool.end(),
    };
  }
  // Embedded PostgreSQL (same SQL dialect), so `npm start` needs no database server. Shared with
  // the services' data sources through @smis/persistence (one PGlite per directory).
  const embedded = await acquireEmbeddedDatabase(`${options.dataDir}/pglite`);
  // Through the driver's pool: queries wait for a service's transaction to finish.
  const pool = new (pgliteDriver(embedded.db).Pool)() as {
    query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  };
  return {
    kind: 'pglite',
    location: `${options.dataDir}/pglite`,
    async query<T>(sql: string, params?: unknown[]) {
      return (await pool.query(sql, params)).rows as T[];
    },
    close: () => embedded.release(),
  };
}
