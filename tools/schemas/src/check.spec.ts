import { afterEach, describe, expect, it } from 'vitest';
import { checkSchemas } from './check';
import { formatViolation, type Violation } from './schema-files';
import { evolve, probeV1, schemaRepo, type Json } from './testing/fixtures';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function check(
  files: Record<string, unknown>,
  baseline?: Record<string, unknown>,
): Promise<Violation[]> {
  const repo = schemaRepo(files);
  cleanups.push(repo.cleanup);
  const report = await checkSchemas({
    root: repo.root,
    generated: false,
    ...(baseline
      ? {
          baseline: {
            ref: 'HEAD',
            files: new Map(Object.entries(baseline).map(([p, j]) => [p, JSON.stringify(j)])),
          },
        }
      : {}),
  });
  return [...report.violations];
}

const v1 = probeV1();
const rules = (violations: Violation[]) => violations.map((v) => `${v.rule}${v.field ? ` ${v.field}` : ''}`);

describe('schemas check', () => {
  it('passes a record with one version', async () => {
    expect(await check({ 'schemas/probe/v1.avsc': v1 })).toEqual([]);
  });

  it('passes a compatible new version: a field added with a default', async () => {
    const v2 = evolve(v1, (s) =>
      s.fields.push({ name: 'mandatory', type: 'boolean', default: false, doc: 'Mandatory.' }),
    );
    expect(await check({ 'schemas/probe/v1.avsc': v1, 'schemas/probe/v2.avsc': v2 })).toEqual([]);
  });

  it('fails a new version that removes a field without a default, naming file, schema, field and rule', async () => {
    const v2 = evolve(v1, (s) => (s.fields = s.fields.filter((f) => f['name'] !== 'count')));
    const violations = await check({ 'schemas/probe/v1.avsc': v1, 'schemas/probe/v2.avsc': v2 });
    expect(violations.map(formatViolation)).toEqual([
      'schemas/probe/v2.avsc: Probe v1 → v2 field `count` [field-without-default] field `count`: removed (or renamed) in v2, ' +
        'and it has no default in v1 (int): v1 readers cannot read records written with v2 (breaks forward compatibility)',
    ]);
  });

  it('fails a new version that changes a type', async () => {
    const v2 = evolve(v1, (s) => ((s.fields[0] as Json)['type'] = 'long'));
    expect(rules(await check({ 'schemas/probe/v1.avsc': v1, 'schemas/probe/v2.avsc': v2 }))).toEqual([
      'type-changed id',
      'type-changed id',
    ]);
  });

  it('checks every pair of versions, not only neighbours', async () => {
    // v2 adds `extra` with a default; v3 drops that default (and adds `more`): v2→v3 is fine, v1→v3 breaks.
    const v2 = evolve(v1, (s) => s.fields.push({ name: 'extra', type: 'int', default: 0, doc: 'Extra.' }));
    const v3 = evolve(v2, (s) => {
      delete (s.fields[4] as Json)['default'];
      s.fields.push({ name: 'more', type: 'int', default: 0, doc: 'More.' });
    });
    const violations = await check({
      'schemas/probe/v1.avsc': v1,
      'schemas/probe/v2.avsc': v2,
      'schemas/probe/v3.avsc': v3,
    });
    expect(violations.map((v) => `${v.schema} ${v.rule}`)).toEqual(['Probe v1 → v3 field-without-default']);
  });

  it('fails a version that changes nothing but docs', async () => {
    const v2 = evolve(v1, (s) => (s['doc'] = 'Better words.'));
    expect(rules(await check({ 'schemas/probe/v1.avsc': v1, 'schemas/probe/v2.avsc': v2 }))).toEqual([
      'redundant-version',
    ]);
  });

  it('fails misnamed files, gaps in versions and files that do not parse', async () => {
    const violations = await check({
      'schemas/probe/v1.avsc': v1,
      'schemas/probe/v3.avsc': evolve(v1, (s) =>
        s.fields.push({ name: 'x', type: 'int', default: 0, doc: 'X.' }),
      ),
      'schemas/probe/latest.avsc': v1,
      'schemas/other-name/v1.avsc': evolve(v1, (s) => (s['name'] = 'Sonde')),
      'schemas/broken/v1.avsc': '{ not json',
    });
    expect(violations.map((v) => `${v.file} ${v.rule}`).sort()).toEqual([
      'schemas/broken/v1.avsc json',
      'schemas/other-name/v1.avsc file-name',
      'schemas/probe/latest.avsc file-name',
      'schemas/probe/v3.avsc version-sequence',
    ]);
  });

  it('applies the house rules to the latest version', async () => {
    const bad = evolve(v1, (s) => {
      s['namespace'] = 'com.example';
      delete (s.fields[0] as Json)['doc'];
      delete ((s.fields[2] as Json)['type'] as Json)['default'];
      s.fields.push({ name: 'phoneNumber', type: 'string', doc: 'The number.' });
      s.fields.push({ name: 'either', type: ['string', 'int'], doc: 'One or the other.' });
      s.fields.push({ name: 'maybe', type: ['null', 'int'], doc: 'No default.' });
    });
    const violations = await check({ 'schemas/probe/v1.avsc': bad });
    expect(rules(violations)).toEqual([
      'namespace',
      'doc-missing id',
      'personal-data-in-clear phoneNumber',
      'union-shape either',
      'nullable-default maybe',
      'enum-default channel',
    ]);
    expect(violations.find((v) => v.rule === 'personal-data-in-clear')?.message).toMatch(/seal it/);
  });

  it('fails a released version changed or removed since the baseline', async () => {
    const changed = evolve(v1, (s) => s.fields.push({ name: 'extra', type: 'int', doc: 'Extra.' }));
    const violations = await check(
      { 'schemas/probe/v1.avsc': changed },
      { 'schemas/probe/v1.avsc': v1, 'schemas/gone/v1.avsc': evolve(v1, (s) => (s['name'] = 'Gone')) },
    );
    expect(violations.map((v) => `${v.file} ${v.rule}${v.field ? ` ${v.field}` : ''}`)).toEqual([
      'schemas/probe/v1.avsc released-version-changed',
      'schemas/probe/v1.avsc field-without-default extra',
      'schemas/gone/v1.avsc released-version-removed',
    ]);
    expect(violations[0]?.message).toMatch(/put the change in v2\.avsc/);
    expect(violations[1]?.message).toMatch(/added in v1 in the working tree without a default/);
  });

  it('lets a released version change defaults in place (same fingerprint), still under the house rules', async () => {
    const noDefault = evolve(v1, (s) => delete (s.fields[3] as Json)['default']);
    const violations = await check({ 'schemas/probe/v1.avsc': noDefault }, { 'schemas/probe/v1.avsc': v1 });
    expect(violations.map((v) => `${v.rule} ${v.field} ${v.schema}`)).toEqual([
      'nullable-default note Probe v1',
    ]);
  });

  it('accepts doc edits of a released version and new versions since the baseline', async () => {
    const reworded = evolve(v1, (s) => (s['doc'] = 'Better words.'));
    const v2 = evolve(v1, (s) => s.fields.push({ name: 'extra', type: 'int', default: 0, doc: 'Extra.' }));
    expect(
      await check(
        { 'schemas/probe/v1.avsc': reworded, 'schemas/probe/v2.avsc': v2 },
        { 'schemas/probe/v1.avsc': v1 },
      ),
    ).toEqual([]);
  });
});
