import { describe, expect, it } from 'vitest';
import { RECORD_NAMES } from './generated/records';
import { createSchemaCatalog, defaultSchemaCatalog } from './schema-catalog';

const probe = (doc: string) => ({
  type: 'record',
  name: 't.Probe',
  doc,
  fields: [{ name: 'a', type: 'int' }],
});

describe('schema catalog', () => {
  it('holds every record of schemas/, each findable by its fingerprint', () => {
    const catalog = defaultSchemaCatalog();
    expect(catalog.records()).toEqual([...RECORD_NAMES].sort());
    for (const record of catalog.records()) {
      const latest = catalog.latest(record);
      expect(latest.fullName).toBe(`be.smis.v1.${record}`);
      expect(latest.file).toMatch(/^schemas\/[a-z-]+\/v1\.avsc$/);
      expect(catalog.byFingerprint(latest.fingerprint)).toBe(latest);
    }
    expect(catalog.byFingerprint(Buffer.alloc(8))).toBeUndefined();
  });

  it('refuses a version listed twice', () => {
    expect(() =>
      createSchemaCatalog([
        { record: 'Probe', version: 1, file: 'a', schema: probe('one') },
        { record: 'Probe', version: 1, file: 'b', schema: probe('two') },
      ]),
    ).toThrow(/Probe v1 is listed twice/);
  });

  it('maps a fingerprint shared by two versions (docs-only change) to the oldest', () => {
    const catalog = createSchemaCatalog([
      { record: 'Probe', version: 2, file: 'v2', schema: probe('two') },
      { record: 'Probe', version: 1, file: 'v1', schema: probe('one') },
    ]);
    expect(catalog.versions('Probe').map((v) => v.version)).toEqual([1, 2]);
    expect(catalog.byFingerprint(catalog.latest('Probe').fingerprint)?.version).toBe(1);
  });
});
