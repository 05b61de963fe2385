/**
 * An Avro schema as a tree the rules can walk: names resolved to full names, references to
 * named types replaced by the named type itself (a graph when a record refers to itself),
 * docs, defaults and logical types kept (avsc drops them from its types).
 */
export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface PrimitiveNode {
  readonly kind: 'primitive';
  readonly type: PrimitiveName;
  readonly logicalType: string | undefined;
}

export interface FieldNode {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly doc: string | undefined;
  readonly type: SchemaNode;
  readonly hasDefault: boolean;
  readonly default: unknown;
}

export interface RecordNode {
  readonly kind: 'record';
  readonly fullName: string;
  readonly aliases: readonly string[];
  readonly doc: string | undefined;
  readonly fields: FieldNode[];
}

export interface EnumNode {
  readonly kind: 'enum';
  readonly fullName: string;
  readonly aliases: readonly string[];
  readonly doc: string | undefined;
  readonly symbols: readonly string[];
  readonly default: string | undefined;
}

export interface FixedNode {
  readonly kind: 'fixed';
  readonly fullName: string;
  readonly aliases: readonly string[];
  readonly doc: string | undefined;
  readonly size: number;
  readonly logicalType: string | undefined;
}

export interface ArrayNode {
  readonly kind: 'array';
  readonly items: SchemaNode;
}

export interface MapNode {
  readonly kind: 'map';
  readonly values: SchemaNode;
}

export interface UnionNode {
  readonly kind: 'union';
  readonly branches: readonly SchemaNode[];
}

export type NamedNode = RecordNode | EnumNode | FixedNode;
export type SchemaNode = PrimitiveNode | NamedNode | ArrayNode | MapNode | UnionNode;

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export class SchemaTreeError extends Error {
  override readonly name = 'SchemaTreeError';
}

export function parseSchemaTree(json: unknown): SchemaNode {
  const named = new Map<string, NamedNode>();
  return parse(json, '', named);
}

function fullNameOf(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

function namespaceOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}

function parse(json: unknown, namespace: string, named: Map<string, NamedNode>): SchemaNode {
  if (typeof json === 'string') {
    if (PRIMITIVES.has(json))
      return { kind: 'primitive', type: json as PrimitiveName, logicalType: undefined };
    const found = named.get(fullNameOf(json, namespace)) ?? named.get(json);
    if (!found) throw new SchemaTreeError(`unknown type ${JSON.stringify(json)}`);
    return found;
  }
  if (Array.isArray(json)) {
    return { kind: 'union', branches: json.map((branch) => parse(branch, namespace, named)) };
  }
  if (typeof json !== 'object' || json === null) {
    throw new SchemaTreeError(`not a schema: ${JSON.stringify(json)}`);
  }
  const o = json as Record<string, unknown>;
  const type = o['type'];
  const doc = typeof o['doc'] === 'string' ? o['doc'] : undefined;
  const logicalType = typeof o['logicalType'] === 'string' ? o['logicalType'] : undefined;
  if (typeof type === 'string' && PRIMITIVES.has(type)) {
    return { kind: 'primitive', type: type as PrimitiveName, logicalType };
  }
  switch (type) {
    case 'array':
      return { kind: 'array', items: parse(o['items'], namespace, named) };
    case 'map':
      return { kind: 'map', values: parse(o['values'], namespace, named) };
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed': {
      if (typeof o['name'] !== 'string') throw new SchemaTreeError(`a ${type} needs a name`);
      const ns = typeof o['namespace'] === 'string' ? o['namespace'] : namespace;
      const fullName = fullNameOf(o['name'], ns);
      const inner = namespaceOf(fullName);
      const aliases = Array.isArray(o['aliases'])
        ? (o['aliases'] as string[]).map((a) => fullNameOf(a, inner))
        : [];
      if (named.has(fullName)) throw new SchemaTreeError(`${fullName} is defined twice`);
      if (type === 'enum') {
        const node: EnumNode = {
          kind: 'enum',
          fullName,
          aliases,
          doc,
          symbols: (o['symbols'] as string[] | undefined) ?? [],
          default: typeof o['default'] === 'string' ? o['default'] : undefined,
        };
        named.set(fullName, node);
        return node;
      }
      if (type === 'fixed') {
        const node: FixedNode = {
          kind: 'fixed',
          fullName,
          aliases,
          doc,
          size: Number(o['size']),
          logicalType,
        };
        named.set(fullName, node);
        return node;
      }
      const node: RecordNode = { kind: 'record', fullName, aliases, doc, fields: [] };
      named.set(fullName, node); // before the fields: a record may refer to itself
      for (const field of (o['fields'] as unknown[] | undefined) ?? []) {
        const f = field as Record<string, unknown>;
        if (typeof f['name'] !== 'string') throw new SchemaTreeError(`a field of ${fullName} has no name`);
        node.fields.push({
          name: f['name'],
          aliases: Array.isArray(f['aliases']) ? (f['aliases'] as string[]) : [],
          doc: typeof f['doc'] === 'string' ? f['doc'] : undefined,
          type: parse(f['type'], inner, named),
          hasDefault: 'default' in f,
          default: f['default'],
        });
      }
      return node;
    }
    default:
      if (typeof type === 'object' && type !== null) return parse(type, namespace, named);
      throw new SchemaTreeError(`unknown type ${JSON.stringify(type)}`);
  }
}

/** A short human description of a schema node, for messages: `string`, `enum Channel`, `array<string>`. */
export function describeNode(node: SchemaNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.logicalType ? `${node.type} (${node.logicalType})` : node.type;
    case 'record':
    case 'enum':
    case 'fixed':
      return `${node.kind} ${node.fullName.slice(node.fullName.lastIndexOf('.') + 1)}`;
    case 'array':
      return `array<${describeNode(node.items)}>`;
    case 'map':
      return `map<${describeNode(node.values)}>`;
    case 'union':
      return `[${node.branches.map(describeNode).join(', ')}]`;
  }
}

/** Visits every named type and field once (records may be recursive). */
export function visitNamed(root: SchemaNode, visit: (node: NamedNode, path: string) => void): void {
  const seen = new Set<SchemaNode>();
  const walk = (node: SchemaNode, path: string): void => {
    switch (node.kind) {
      case 'primitive':
        return;
      case 'array':
        return walk(node.items, path);
      case 'map':
        return walk(node.values, path);
      case 'union':
        return node.branches.forEach((b) => walk(b, path));
      default:
        if (seen.has(node)) return;
        seen.add(node);
        visit(node, path);
        if (node.kind === 'record') {
          for (const field of node.fields) walk(field.type, path ? `${path}.${field.name}` : field.name);
        }
    }
  };
  walk(root, '');
}
