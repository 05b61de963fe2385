import type { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

interface Shared {
  db: Promise<PGlite>;
  users: number;
}

const open = new Map<string, Shared>();

/**
 * The embedded PostgreSQL (PGlite) in `dataDir`, shared by every service of the process (each in
 * its own schema). Reference-counted: the last `release()` closes it.
 */
export async function acquireEmbeddedDatabase(
  dataDir: string,
): Promise<{ db: PGlite; release(): Promise<void> }> {
  const dir = path.resolve(dataDir);
  let shared = open.get(dir);
  if (!shared) {
    mkdirSync(dir, { recursive: true });
    const db = import('@electric-sql/pglite').then(({ PGlite }) => PGlite.create(dir));
    shared = { db, users: 0 };
    open.set(dir, shared);
  }
  shared.users++;
  const entry = shared;
  const db = await entry.db;
  let released = false;
  return {
    db,
    async release() {
      if (released) return;
      released = true;
      entry.users--;
      if (entry.users === 0) {
        open.delete(dir);
        await db.close();
      }
    },
  };
}
