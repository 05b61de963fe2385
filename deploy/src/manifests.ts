import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

export function repoPath(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}

export function readText(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

export function readYaml<T = unknown>(...parts: string[]): T {
  return parse(readText(...parts)) as T;
}

/** Every document of a multi-document YAML file, failing on the first syntax error. */
export function readYamlDocuments<T = Record<string, unknown>>(...parts: string[]): T[] {
  return parseAllDocuments(readText(...parts)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${parts.join('/')}: ${document.errors[0].message}`);
    return document.toJS() as T;
  });
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** A validator for one of the schemas in deploy/schemas (or any JSON schema in the repository). */
export function schema(...parts: string[]): ValidateFunction {
  const file = parts.length === 1 ? repoPath('deploy/schemas', parts[0]) : repoPath(...parts);
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
}

/** The validation errors of `value` as readable lines (empty when valid). */
export function problems(validate: ValidateFunction, value: unknown, what: string): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) => `${what}${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}
