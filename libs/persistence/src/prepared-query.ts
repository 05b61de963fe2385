import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';

const names = new Map<string, string>();

/** The statement's name: a digest of its text, so one text has one name on every connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `smis_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement of fixed text (parameters only, never values spliced in) as a named prepared
 * statement on PostgreSQL: each connection parses and plans it once instead of on every call, and
 * PostgreSQL may keep a generic plan after a few executions. About 30% of the backend's CPU per
 * statement on the hot paths measured (docs/benchmarks.md, Pipeline). Inside a transaction it
 * runs on the transaction's connection; otherwise on a connection of its own for this statement.
 *
 * Answers the rows (also for INSERT/UPDATE/DELETE … RETURNING). Errors are TypeORM's
 * `QueryFailedError`, as `manager.query` gives them. On another driver (the embedded PGlite)
 * the statement runs as a plain query. A bounded set of texts per service is assumed: build the
 * statement once (unnest for row sets), not per call.
 */
export async function preparedQuery<T>(
  manager: EntityManager,
  text: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const own = manager.queryRunner ? undefined : manager.connection.createQueryRunner();
  const runner = manager.queryRunner ?? own;
  if (!runner) throw new Error('preparedQuery: no query runner');
  try {
    const connection: unknown = await runner.connect();
    if (!(connection instanceof Client)) {
      const result = (await runner.query(text, [...params], true)) as { records: T[] };
      return result.records;
    }
    try {
      const result = await connection.query({ name: nameOf(text), text, values: [...params] });
      return result.rows as T[];
    } catch (error) {
      throw new QueryFailedError(text, [...params], error as Error);
    }
  } finally {
    await own?.release();
  }
}
