import { canonicalForm, parseAvroSchema } from '@smis/contracts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_PATH, generateAsyncApi } from './asyncapi';
import { checkCompatibility } from './compatibility';
import type { Baseline } from './git-baseline';
import { lintSchema } from './rules';
import { byRecord, loadSchemaFiles, type SchemaFile, type Violation } from './schema-files';
import { generateTypeScript, TypeGenerationError } from './typescript';

export interface CheckOptions {
  /** The repository root (holds schemas/). */
  readonly root: string;
  /** Released schema files at a git revision; when set, they must be unchanged in the working tree. */
  readonly baseline?: Baseline;
  /** Also check that the generated TypeScript and docs/asyncapi.yaml match the schemas (default true). */
  readonly generated?: boolean;
}

export interface CheckReport {
  readonly violations: readonly Violation[];
  readonly schemaFiles: number;
  readonly records: number;
  /** Version pairs checked for compatibility, both ways. */
  readonly pairs: number;
}

/**
 * Everything that must hold for a schema change to merge:
 * - files are named schemas/<record>/v<n>.avsc with versions 1..N, and parse;
 * - the latest version of each record follows the house rules (docs, namespace, enum defaults,
 *   nullable shape, no personal data in clear);
 * - every two versions of a record are compatible both ways (full transitive), so any reader
 *   reads any writer's records;
 * - with a git baseline, released versions are neither removed nor changed (their fingerprint
 *   is on records in Kafka);
 * - the generated TypeScript and AsyncAPI match the schemas (the latest is the one in use).
 */
export async function checkSchemas(options: CheckOptions): Promise<CheckReport> {
  const { files, violations: loadViolations } = loadSchemaFiles(options.root);
  const violations: Violation[] = [...loadViolations];
  const records = byRecord(files);
  let pairs = 0;

  for (const versions of records.values()) {
    const latest = versions[versions.length - 1] as SchemaFile;
    const lint = lintSchema(latest);
    violations.push(...lint);
    if (lint.some((v) => v.rule === 'avro-parse')) continue;
    for (let i = 0; i < versions.length; i++) {
      for (let j = i + 1; j < versions.length; j++) {
        const previous = versions[i] as SchemaFile;
        const next = versions[j] as SchemaFile;
        pairs++;
        violations.push(...comparePair(previous, next, `v${previous.version}`, `v${next.version}`));
      }
    }
  }

  if (options.baseline) violations.push(...checkAgainstBaseline(files, options.baseline));

  if (options.generated !== false && !violations.some((v) => v.rule === 'avro-parse' || v.rule === 'json')) {
    violations.push(...(await checkGenerated(options.root, files)));
  }
  return { violations, schemaFiles: files.length, records: records.size, pairs };
}

function comparePair(
  previous: SchemaFile,
  next: SchemaFile,
  previousLabel: string,
  nextLabel: string,
): Violation[] {
  const schema = `${next.record} ${previousLabel} → ${nextLabel}`;
  let issues;
  try {
    issues = checkCompatibility(previous.json, next.json, { previous: previousLabel, next: nextLabel });
  } catch (error) {
    return [{ file: next.file, schema, rule: 'avro-parse', message: (error as Error).message }];
  }
  const violations: Violation[] = issues.map((issue) => ({
    file: next.file,
    schema,
    ...(issue.path ? { field: issue.path } : {}),
    rule: issue.rule,
    message: issue.message,
  }));
  if (previous.version !== next.version && sameCanonicalForm(previous.json, next.json)) {
    violations.push({
      file: next.file,
      schema,
      rule: 'redundant-version',
      message: `${nextLabel} reads and writes the same bytes as ${previousLabel} (only docs or defaults changed): edit the docs in ${previous.file} instead`,
    });
  }
  return violations;
}

function sameCanonicalForm(a: unknown, b: unknown): boolean {
  try {
    return (
      canonicalForm(parseAvroSchema(a as Record<string, unknown>)) ===
      canonicalForm(parseAvroSchema(b as Record<string, unknown>))
    );
  } catch {
    return false;
  }
}

function checkAgainstBaseline(files: readonly SchemaFile[], baseline: Baseline): Violation[] {
  const current = new Map(files.map((f) => [f.file, f]));
  const violations: Violation[] = [];
  for (const [path, text] of baseline.files) {
    const released = JSON.parse(text) as unknown;
    const name = (released as { name?: string }).name ?? path;
    const file = current.get(path);
    if (!file) {
      violations.push({
        file: path,
        schema: name,
        rule: 'released-version-removed',
        message: `${path} exists at ${baseline.ref}: a released version stays, records written with it may still be in Kafka`,
      });
      continue;
    }
    const label = `v${file.version}`;
    const pair = comparePair(
      { ...file, json: released },
      file,
      `${label} at ${baseline.ref}`,
      `${label} in the working tree`,
    );
    if (sameCanonicalForm(released, file.json)) {
      // Docs or defaults edited in place: same bytes, same fingerprint, but defaults drive resolution.
      violations.push(...pair);
      continue;
    }
    violations.push({
      file: path,
      schema: `${file.record} ${label}`,
      rule: 'released-version-changed',
      message: `${label} differs from ${baseline.ref} in more than docs and defaults: its fingerprint changed, so records already written with it become undecodable. Restore it and put the change in v${(byRecord(files).get(file.record)?.length ?? file.version) + 1}.avsc`,
    });
    violations.push(...pair);
  }
  return violations;
}

async function checkGenerated(root: string, files: readonly SchemaFile[]): Promise<Violation[]> {
  const violations: Violation[] = [];
  let generated;
  try {
    generated = await generateTypeScript(files);
  } catch (error) {
    if (!(error instanceof TypeGenerationError)) throw error;
    return [{ file: 'schemas/', schema: '(all)', rule: 'named-type-consistency', message: error.message }];
  }
  const expected = [...generated, { path: ASYNCAPI_PATH, content: generateAsyncApi(files) }];
  for (const { path, content } of expected) {
    const onDisk = existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined;
    if (onDisk !== content) {
      const command = path === ASYNCAPI_PATH ? 'asyncapi.ts' : 'generate.ts';
      violations.push({
        file: path,
        schema: '(generated)',
        rule: 'generated-out-of-date',
        message: `${onDisk === undefined ? 'missing' : 'out of date'}: run \`node tools/run-ts.cjs tools/schemas/${command}\``,
      });
    }
  }
  return violations;
}
