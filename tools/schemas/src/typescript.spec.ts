import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './format';
import { loadSchemaFiles, type SchemaFile } from './schema-files';
import { evolve, probeV1 } from './testing/fixtures';
import { generateTypeScript, renderRecordsModule, TypeGenerationError } from './typescript';

const file = (json: unknown, record = 'Probe', version = 1): SchemaFile => ({
  record,
  version,
  file: `schemas/x/v${version}.avsc`,
  text: JSON.stringify(json),
  json,
});

describe('generated TypeScript', () => {
  it('is up to date with schemas/ (run tools/schemas/generate.ts after a schema change)', async () => {
    const { files, violations } = loadSchemaFiles(REPO_ROOT);
    expect(violations).toEqual([]);
    for (const generated of await generateTypeScript(files)) {
      expect(readFileSync(join(REPO_ROOT, generated.path), 'utf8'), generated.path).toBe(generated.content);
    }
  });

  it('renders the latest version of each record as readonly interfaces', () => {
    const v1 = probeV1();
    const v2 = evolve(v1, (s) =>
      s.fields.push({ name: 'tags', type: { type: 'array', items: 'string' }, default: [], doc: 'Tags.' }),
    );
    const source = renderRecordsModule([file(v1), file(v2, 'Probe', 2)]);
    expect(source).toContain("export type Channel = 'APP' | 'SMS' | 'UNKNOWN';");
    expect(source).toContain('readonly note: string | null;');
    expect(source).toContain('readonly tags: readonly string[];');
    expect(source).toContain('/** A record to evolve in tests. */\nexport interface Probe {');
    expect(source).toContain('export const RECORD_NAMES: readonly RecordName[] = ["Probe"];');
  });

  it('refuses a named type defined differently in two schemas', () => {
    const other = evolve(probeV1(), (s) => {
      s['name'] = 'Other';
      ((s.fields[2] as { type: { symbols: string[] } }).type.symbols as string[]).push('EMAIL');
    });
    expect(() => renderRecordsModule([file(probeV1()), file(other, 'Other')])).toThrow(TypeGenerationError);
    expect(() => renderRecordsModule([file(probeV1()), file(other, 'Other')])).toThrow(
      /be\.smis\.v1\.Channel differs from its definition/,
    );
  });

  it('refuses unions other than nullable ones', () => {
    const union = evolve(probeV1(), (s) =>
      s.fields.push({ name: 'either', type: ['string', 'int'], doc: 'Either.' }),
    );
    expect(() => renderRecordsModule([file(union)])).toThrow(/union string\|int is not supported/);
  });
});
