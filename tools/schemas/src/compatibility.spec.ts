import { describe, expect, it } from 'vitest';
import { checkCompatibility, type CompatibilityIssue } from './compatibility';
import { evolve, probeV1, type Json } from './testing/fixtures';

const labels = { previous: 'v1', next: 'v2' };
const v1 = probeV1();
type Field = { name: string; type: unknown; default?: unknown; aliases?: string[] };
const field = (schema: Json, name: string) =>
  (schema['fields'] as Field[]).find((f) => f.name === name) as Field;
const summary = (issues: CompatibilityIssue[]) => issues.map((i) => `${i.direction} ${i.path} ${i.rule}`);

describe('compatibility rules', () => {
  it('accepts the same schema, and doc changes', () => {
    expect(checkCompatibility(v1, v1, labels)).toEqual([]);
    expect(
      checkCompatibility(
        v1,
        evolve(v1, (s) => (s['doc'] = 'Reworded.')),
        labels,
      ),
    ).toEqual([]);
  });

  it('accepts a field added with a default', () => {
    const v2 = evolve(v1, (s) =>
      s.fields.push({ name: 'mandatory', type: 'boolean', default: false, doc: 'Mandatory.' }),
    );
    expect(checkCompatibility(v1, v2, labels)).toEqual([]);
  });

  it('refuses a field added without a default (backward)', () => {
    const v2 = evolve(v1, (s) => s.fields.push({ name: 'mandatory', type: 'boolean', doc: 'Mandatory.' }));
    const issues = checkCompatibility(v1, v2, labels);
    expect(summary(issues)).toEqual(['backward mandatory field-without-default']);
    expect(issues[0]?.message).toBe(
      'field `mandatory`: added in v2 without a default: v2 readers cannot read records written with v1 (breaks backward compatibility)',
    );
  });

  it('accepts removing a field that has a default', () => {
    const v2 = evolve(v1, (s) => (s.fields = s.fields.filter((f) => f['name'] !== 'note')));
    expect(checkCompatibility(v1, v2, labels)).toEqual([]);
  });

  it('refuses removing a field without a default (forward)', () => {
    const v2 = evolve(v1, (s) => (s.fields = s.fields.filter((f) => f['name'] !== 'count')));
    const issues = checkCompatibility(v1, v2, labels);
    expect(summary(issues)).toEqual(['forward count field-without-default']);
    expect(issues[0]?.message).toMatch(
      /removed \(or renamed\) in v2, and it has no default in v1 \(int\): v1 readers cannot read records written with v2/,
    );
  });

  it('refuses a type change, both ways', () => {
    const v2 = evolve(v1, (s) => (field(s, 'id').type = 'int'));
    const issues = checkCompatibility(v1, v2, labels);
    expect(summary(issues)).toEqual(['backward id type-changed', 'forward id type-changed']);
    expect(issues[0]?.message).toBe(
      'field `id`: type changed from string in v1 to int in v2: v2 readers cannot read records written with v1 (breaks backward compatibility)',
    );
  });

  it('accepts a promotion only one way: int to long is backward compatible, not forward', () => {
    const v2 = evolve(v1, (s) => (field(s, 'count').type = 'long'));
    expect(summary(checkCompatibility(v1, v2, labels))).toEqual(['forward count type-changed']);
  });

  it('accepts an enum symbol added when the enum has a default, refuses it otherwise', () => {
    const added = evolve(v1, (s) =>
      (field(s, 'channel').type as { symbols: string[] }).symbols.push('EMAIL'),
    );
    expect(checkCompatibility(v1, added, labels)).toEqual([]);
    const noDefault = evolve(v1, (s) => delete (field(s, 'channel').type as Json)['default']);
    const addedNoDefault = evolve(noDefault, (s) =>
      (field(s, 'channel').type as { symbols: string[] }).symbols.push('EMAIL'),
    );
    const issues = checkCompatibility(noDefault, addedNoDefault, labels);
    expect(summary(issues)).toEqual(['forward channel enum-symbol-without-default']);
    expect(issues[0]?.message).toMatch(
      /enum be\.smis\.v1\.Channel gained EMAIL in v2, and in v1 it has no default/,
    );
  });

  it('accepts a renamed field that keeps the old name as an alias, one way only', () => {
    const v2 = evolve(v1, (s) => {
      field(s, 'count').aliases = ['count'];
      field(s, 'count').name = 'total';
    });
    // New readers find `count` through the alias; old readers miss `count` (no default) in new records.
    expect(summary(checkCompatibility(v1, v2, labels))).toEqual(['forward count field-without-default']);
  });

  it('refuses a nullable field made required, one way', () => {
    const v2 = evolve(v1, (s) => {
      field(s, 'note').type = 'string';
      delete field(s, 'note').default;
    });
    expect(summary(checkCompatibility(v1, v2, labels))).toEqual(['backward note type-changed']);
  });

  it('refuses a renamed record and a changed fixed size', () => {
    expect(
      summary(
        checkCompatibility(
          v1,
          evolve(v1, (s) => (s['name'] = 'Sonde')),
          labels,
        ),
      ),
    ).toEqual(['backward  name-changed', 'forward  name-changed']);
    const fixed = evolve(v1, (s) =>
      s.fields.push({
        name: 'key',
        type: { type: 'fixed', name: 'Key', size: 32 },
        default: 'x'.repeat(32),
        doc: 'K.',
      }),
    );
    const resized = evolve(fixed, (s) => ((field(s, 'key').type as Json)['size'] = 16));
    expect(summary(checkCompatibility(fixed, resized, labels))).toEqual([
      'backward key fixed-size-changed',
      'forward key fixed-size-changed',
    ]);
  });

  it('refuses a logical type change: same bytes, another meaning', () => {
    const withTime = evolve(v1, (s) =>
      s.fields.push({
        name: 'at',
        type: { type: 'long', logicalType: 'timestamp-millis' },
        default: 0,
        doc: 'At.',
      }),
    );
    const micros = evolve(
      withTime,
      (s) => (field(s, 'at').type = { type: 'long', logicalType: 'timestamp-micros' }),
    );
    expect(summary(checkCompatibility(withTime, micros, labels))).toEqual([
      'backward at logical-type-changed',
      'forward at logical-type-changed',
    ]);
  });

  it('follows nested records and arrays to name the field', () => {
    const nested = evolve(v1, (s) =>
      s.fields.push({
        name: 'parts',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Part',
            doc: 'P.',
            fields: [{ name: 'size', type: 'int', doc: 'S.' }],
          },
        },
        default: [],
        doc: 'Parts.',
      }),
    );
    const changed = evolve(
      nested,
      (s) =>
        ((((field(s, 'parts').type as Json)['items'] as { fields: Field[] }).fields[0] as Field).type =
          'string'),
    );
    expect(summary(checkCompatibility(nested, changed, labels))).toEqual([
      'backward parts.size type-changed',
      'forward parts.size type-changed',
    ]);
  });
});
