import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { acquireEmbeddedDatabase } from './embedded';
import { pgliteDriver } from './pglite-driver';

export interface DatabaseOptions {
  /** PostgreSQL URL; without it, embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** Where the embedded database lives (default `.smis/data/pglite`). */
  dataDir?: string;
}

export interface ServiceDataSourceOptions extends DatabaseOptions {
  /** The service's own schema: its tables, its migrations table. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Connections to PostgreSQL (default 10; always 1 on PGlite). */
  poolSize?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Where the connection points, without credentials (for logs and /health). */
export function describeDatabase(options: DatabaseOptions): string {
  if (!options.databaseUrl) return `embedded PGlite at ${options.dataDir ?? '.smis/data/pglite'}`;
  const url = new URL(options.databaseUrl);
  return `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/**
 * Opens a service's TypeORM data source in its own schema and brings the schema up to date with
 * its migrations (under an advisory lock, so several instances can start at once).
 */
export async function openServiceDataSource(options: ServiceDataSourceOptions): Promise<DataSource> {
  if (!SCHEMA_NAME.test(options.schema)) {
    throw new DatabaseConfigError(
      `schema '${options.schema}' must be lower-case letters, digits and underscores`,
    );
  }
  let release: (() => Promise<void>) | undefined;
  let dataSource: DataSource;
  const common = {
    type: 'postgres' as const,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
  if (options.databaseUrl) {
    dataSource = new DataSource({
      ...common,
      url: options.databaseUrl,
      poolSize: options.poolSize ?? 10,
      applicationName: options.applicationName ?? `smis-${options.schema}`,
    });
  } else {
    const embedded = await acquireEmbeddedDatabase(options.dataDir ?? '.smis/data/pglite');
    release = embedded.release;
    dataSource = new DataSource({ ...common, driver: pgliteDriver(embedded.db), poolSize: 1 });
  }
  try {
    await dataSource.initialize();
    await migrate(dataSource, options.schema, !!options.databaseUrl);
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await release?.();
    throw error;
  }
  if (release) {
    const destroy = dataSource.destroy.bind(dataSource);
    const releaseOnce = release;
    dataSource.destroy = async () => {
      await destroy();
      await releaseOnce();
    };
  }
  return dataSource;
}

async function migrate(dataSource: DataSource, schema: string, concurrent: boolean): Promise<void> {
  if (!concurrent) {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  // One instance migrates at a time; the others wait, then find nothing to do.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`smis-migrate:${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock
      .query(`SELECT pg_advisory_unlock(hashtext($1))`, [`smis-migrate:${schema}`])
      .catch(() => undefined);
    await lock.release();
  }
}
