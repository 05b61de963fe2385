import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Json = Record<string, unknown>;

/** A small, rule-abiding record to evolve in tests. */
export function probeV1(): Json & { fields: Json[] } {
  return {
    type: 'record',
    name: 'Probe',
    namespace: 'be.smis.v1',
    doc: 'A record to evolve in tests.',
    fields: [
      { name: 'id', type: 'string', doc: 'Its id.' },
      { name: 'count', type: 'int', doc: 'How many.' },
      {
        name: 'channel',
        type: {
          type: 'enum',
          name: 'Channel',
          symbols: ['APP', 'SMS', 'UNKNOWN'],
          default: 'UNKNOWN',
          doc: 'A channel.',
        },
        doc: 'Which channel.',
      },
      { name: 'note', type: ['null', 'string'], default: null, doc: 'A note.' },
    ],
  };
}

/** A copy of `schema` with `edit` applied to a deep clone. */
export function evolve<T extends Json>(schema: T, edit: (copy: T) => void): T {
  const copy = structuredClone(schema);
  edit(copy);
  return copy;
}

/** A throwaway repository root holding schemas/<dir>/v<n>.avsc files. */
export function schemaRepo(files: Record<string, unknown>): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'smis-schemas-'));
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
