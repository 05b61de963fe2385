import type { PGlite, Results } from '@electric-sql/pglite';
import { EventEmitter } from 'node:events';

/**
 * A `pg`-compatible driver module over an embedded PGlite database, for TypeORM's `postgres`
 * type (`driver` option). PGlite has one connection, so the pool hands it out exclusively: a
 * query runner (and its transaction) holds it until released and others queue. That keeps
 * transactions isolated, unlike sharing the connection between concurrent callers.
 *
 * Results are shaped like `pg`'s (`rowCount`, `command`, Buffers for bytea, int8 as text) so
 * entities behave the same on PGlite and on PostgreSQL.
 */
type Release = (error?: unknown) => void;

const TEXT_PARSERS: Record<number, (value: string) => unknown> = {
  20: (v) => v, // int8 as text, as pg returns it
  1700: (v) => v, // numeric as text
};

function commandOf(sql: string): string {
  const match = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(sql);
  return (match?.[1] ?? '').toUpperCase();
}

function toPgResult(sql: string, results: Results<Record<string, unknown>>) {
  const rows = results.rows.map((row) => {
    for (const [key, value] of Object.entries(row)) {
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
        row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
    }
    return row;
  });
  return {
    rows,
    rowCount: results.affectedRows ?? rows.length,
    command: commandOf(sql),
    fields: results.fields,
  };
}

class PGliteConnection extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query(sql: string, params?: unknown[]) {
    if (params && params.length > 0) {
      return toPgResult(sql, await this.db.query(sql, params as unknown[], { parsers: TEXT_PARSERS }));
    }
    const all = await this.db.exec(sql, { parsers: TEXT_PARSERS });
    return toPgResult(sql, all[all.length - 1] ?? { rows: [], fields: [] });
  }
}

/** One exclusive lease of the single PGlite connection at a time, FIFO. */
class ConnectionLease {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

const leases = new WeakMap<PGlite, ConnectionLease>();

/** The module TypeORM's postgres driver loads instead of `pg`. */
export function pgliteDriver(db: PGlite): { Pool: new () => unknown } {
  if (!leases.has(db)) leases.set(db, new ConnectionLease());
  const lease = leases.get(db) as ConnectionLease;
  const connection = new PGliteConnection(db);

  class PGlitePool extends EventEmitter {
    connect(callback: (error: unknown, connection: PGliteConnection | null, release: Release) => void): void {
      lease.acquire().then(
        () => {
          let released = false;
          callback(null, connection, () => {
            if (released) return;
            released = true;
            lease.release();
          });
        },
        (error: unknown) => callback(error, null, () => undefined),
      );
    }

    /** Pool-level queries (TypeORM uses connect(), but `pg` users may call this). */
    async query(sql: string, params?: unknown[]) {
      await lease.acquire();
      try {
        return await connection.query(sql, params);
      } finally {
        lease.release();
      }
    }

    /** The PGlite instance is shared; whoever opened it closes it. */
    end(callback?: (error?: unknown) => void): void {
      callback?.();
    }
  }

  return { Pool: PGlitePool };
}
