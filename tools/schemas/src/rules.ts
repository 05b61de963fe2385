import { parseAvroSchema } from '@smis/contracts';
import type { SchemaFile, Violation } from './schema-files';
import { describeNode, parseSchemaTree, visitNamed, type SchemaNode } from './schema-tree';

/**
 * House rules for the schema a record is written with (its latest version). Older versions are
 * frozen, so new rules never fail on them.
 */
export type HouseRule =
  | 'avro-parse'
  | 'namespace'
  | 'doc-missing'
  | 'enum-default'
  | 'union-shape'
  | 'nullable-default'
  | 'personal-data-in-clear';

export const NAMESPACE_PATTERN = /^be\.smis\.v[1-9][0-9]*$/;

// Field names that smell of personal data. Such a field must be bytes: sealed or encrypted.
const PERSONAL_DATA = /phone|msisdn|e-?mail|niss|national|pushtoken|ipaddress/i;

export function lintSchema(file: SchemaFile): Violation[] {
  const schema = `${file.record} v${file.version}`;
  const violations: Violation[] = [];
  const add = (rule: HouseRule, message: string, field?: string) =>
    violations.push({ file: file.file, schema, rule, message, ...(field ? { field } : {}) });

  try {
    parseAvroSchema(file.json as Record<string, unknown>);
  } catch (error) {
    add('avro-parse', `avsc refuses the schema: ${(error as Error).message}`);
    return violations;
  }
  const root = parseSchemaTree(file.json);
  if (root.kind !== 'record') {
    add('avro-parse', 'a topic value schema is a record');
    return violations;
  }
  const namespace = root.fullName.slice(0, Math.max(0, root.fullName.lastIndexOf('.')));
  if (!NAMESPACE_PATTERN.test(namespace)) {
    add(
      'namespace',
      `the namespace is ${namespace || '(none)'}; records live in be.smis.v<major> (be.smis.v1)`,
    );
  }

  visitNamed(root, (node, path) => {
    const label = `${node.kind} ${node.fullName}`;
    if (!node.doc?.trim()) add('doc-missing', `${label} has no doc`, path || undefined);
    if (node.kind === 'enum' && (node.default === undefined || !node.symbols.includes(node.default))) {
      add(
        'enum-default',
        `${label} has no default symbol: without one, adding a symbol breaks forward compatibility; add UNKNOWN as the default (or a safe existing symbol)`,
        path || undefined,
      );
    }
    if (node.kind !== 'record') return;
    for (const field of node.fields) {
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      if (!field.doc?.trim()) add('doc-missing', `field of ${node.fullName} has no doc`, fieldPath);
      checkUnion(field.type, fieldPath, field, add);
      if (PERSONAL_DATA.test(field.name) && !isOpaque(field.type)) {
        add(
          'personal-data-in-clear',
          `the name says personal data but the type is ${describeNode(field.type)}: seal it to the channel that needs it (bytes)`,
          fieldPath,
        );
      }
    }
  });
  return violations;
}

/** `field` is set for a field's own type, not for array items or map values (which have no default). */
function checkUnion(
  type: SchemaNode,
  path: string,
  field: { hasDefault: boolean; default: unknown } | undefined,
  add: (rule: HouseRule, message: string, field?: string) => void,
): void {
  if (type.kind === 'array') return checkUnion(type.items, path, undefined, add);
  if (type.kind === 'map') return checkUnion(type.values, path, undefined, add);
  if (type.kind !== 'union') return;
  const first = type.branches[0];
  if (type.branches.length !== 2 || first?.kind !== 'primitive' || first.type !== 'null') {
    add(
      'union-shape',
      `union ${describeNode(type)}: only ["null", T] is allowed; for alternatives use a record with a kind enum (docs/adr/0201-schema-evolution.md)`,
      path,
    );
    return;
  }
  if (field && !(field.hasDefault && field.default === null)) {
    add(
      'nullable-default',
      'a nullable field has "default": null, so that it can be added and removed compatibly',
      path,
    );
  }
}

function isOpaque(type: SchemaNode): boolean {
  if (type.kind === 'primitive') return type.type === 'bytes';
  if (type.kind === 'fixed') return true;
  if (type.kind === 'union') {
    return type.branches.every((b) => (b.kind === 'primitive' && b.type === 'null') || isOpaque(b));
  }
  return false;
}
