import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * The schema files: `schemas/<record-in-kebab-case>/v<version>.avsc`, one file per released
 * version, the highest version being the one written. A released version is never edited in a
 * way that changes its bytes: a change is a new version file.
 */
export interface SchemaFile {
  /** The record's short name, for example `MessageRequest` (from the schema's `name`). */
  readonly record: string;
  readonly version: number;
  /** Path relative to the repository root, with forward slashes. */
  readonly file: string;
  readonly text: string;
  readonly json: unknown;
}

/** One thing wrong, named by file, schema, field and rule. */
export interface Violation {
  readonly file: string;
  /** For example `MessageRequest v2`. */
  readonly schema: string;
  /** Field path, when the violation is about a field. */
  readonly field?: string;
  readonly rule: string;
  readonly message: string;
}

export function formatViolation(v: Violation): string {
  return `${v.file}: ${v.schema}${v.field ? ` field \`${v.field}\`` : ''} [${v.rule}] ${v.message}`;
}

export const SCHEMAS_DIR = 'schemas';
const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;

export function toPosix(path: string): string {
  return path.split(sep).join('/');
}

export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export interface LoadedSchemas {
  /** Sorted by record, then version. */
  readonly files: readonly SchemaFile[];
  readonly violations: readonly Violation[];
}

/** Reads every schema file under `<root>/schemas`, reporting files that are misnamed or do not parse. */
export function loadSchemaFiles(root: string): LoadedSchemas {
  const dir = join(root, SCHEMAS_DIR);
  const files: SchemaFile[] = [];
  const violations: Violation[] = [];
  if (!existsSync(dir)) return { files, violations };
  for (const recordDir of readdirSync(dir).sort()) {
    const path = join(dir, recordDir);
    if (!statSync(path).isDirectory()) continue;
    const versions: SchemaFile[] = [];
    for (const name of readdirSync(path).sort()) {
      const file = toPosix(relative(root, join(path, name)));
      const match = VERSION_FILE.exec(name);
      if (!match) {
        violations.push({
          file,
          schema: recordDir,
          rule: 'file-name',
          message: 'schema files are named v<version>.avsc (v1.avsc, v2.avsc, ...)',
        });
        continue;
      }
      const text = readFileSync(join(path, name), 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        violations.push({
          file,
          schema: recordDir,
          rule: 'json',
          message: `not valid JSON: ${(error as Error).message}`,
        });
        continue;
      }
      const declared = (json as { name?: unknown }).name;
      const record = typeof declared === 'string' ? declared.slice(declared.lastIndexOf('.') + 1) : '';
      if (kebabCase(record) !== recordDir) {
        violations.push({
          file,
          schema: record || recordDir,
          rule: 'file-name',
          message: `the directory of record ${record || '(unnamed)'} is schemas/${kebabCase(record) || '<kebab-case name>'}/`,
        });
        continue;
      }
      versions.push({ record, version: Number(match[1]), file, text, json });
    }
    versions.sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      if (v.version !== i + 1) {
        violations.push({
          file: v.file,
          schema: `${v.record} v${v.version}`,
          rule: 'version-sequence',
          message: `versions are numbered 1, 2, 3... without gaps; expected v${i + 1}.avsc here`,
        });
      }
    });
    files.push(...versions);
  }
  files.sort((a, b) => (a.record === b.record ? a.version - b.version : a.record < b.record ? -1 : 1));
  return { files, violations };
}

/** The versions of each record, oldest first. */
export function byRecord(files: readonly SchemaFile[]): Map<string, SchemaFile[]> {
  const map = new Map<string, SchemaFile[]>();
  for (const file of files) map.set(file.record, [...(map.get(file.record) ?? []), file]);
  return map;
}

/** The latest version of each record. */
export function latestVersions(files: readonly SchemaFile[]): SchemaFile[] {
  return [...byRecord(files).values()].map((versions) => versions[versions.length - 1] as SchemaFile);
}
