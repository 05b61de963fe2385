import { parseAvroSchema } from '@smis/contracts';
import {
  describeNode,
  parseSchemaTree,
  type EnumNode,
  type FieldNode,
  type RecordNode,
  type SchemaNode,
} from './schema-tree';

/**
 * Avro schema resolution rules (the specification's "Schema Resolution"), applied both ways:
 * backward = records written with the previous version are readable with the next one;
 * forward = records written with the next version are readable with the previous one.
 * Both matter here: consumers and producers are deployed in any order.
 */
export type Direction = 'backward' | 'forward';

export type CompatibilityRule =
  | 'field-without-default'
  | 'type-changed'
  | 'name-changed'
  | 'enum-symbol-without-default'
  | 'fixed-size-changed'
  | 'logical-type-changed'
  | 'union-branch-missing'
  | 'avro-resolution';

export interface CompatibilityIssue {
  readonly direction: Direction;
  /** Field path, for example `content.parts.kind`; empty for the record itself. */
  readonly path: string;
  readonly rule: CompatibilityRule;
  readonly message: string;
}

export interface VersionLabels {
  /** For example `v1`. */
  readonly previous: string;
  readonly next: string;
}

export function checkCompatibility(
  previous: unknown,
  next: unknown,
  labels: VersionLabels,
): CompatibilityIssue[] {
  const prevTree = parseSchemaTree(previous);
  const nextTree = parseSchemaTree(next);
  const issues: CompatibilityIssue[] = [];
  for (const direction of ['backward', 'forward'] as const) {
    const found: CompatibilityIssue[] = [];
    const ctx: Context = { direction, labels, issues: found, seen: new Set() };
    if (direction === 'backward') resolve(prevTree, nextTree, '', ctx);
    else resolve(nextTree, prevTree, '', ctx);
    if (found.length === 0) {
      // The rules above are the specification's; avsc's resolver is the implementation we run.
      const avscProblem = avscResolution(
        direction === 'backward' ? previous : next,
        direction === 'backward' ? next : previous,
      );
      if (avscProblem) {
        found.push({
          direction,
          path: '',
          rule: 'avro-resolution',
          message: `${readerLabel(ctx)} readers cannot read records written with ${writerLabel(ctx)}: ${avscProblem}`,
        });
      }
    }
    issues.push(...found);
  }
  return issues;
}

interface Context {
  readonly direction: Direction;
  readonly labels: VersionLabels;
  readonly issues: CompatibilityIssue[];
  readonly seen: Set<string>;
}

const writerLabel = (ctx: Context) => (ctx.direction === 'backward' ? ctx.labels.previous : ctx.labels.next);
const readerLabel = (ctx: Context) => (ctx.direction === 'backward' ? ctx.labels.next : ctx.labels.previous);
const consequence = (ctx: Context) =>
  `${readerLabel(ctx)} readers cannot read records written with ${writerLabel(ctx)} (breaks ${ctx.direction} compatibility)`;
const where = (path: string) => (path ? `field \`${path}\`` : 'the record');

function report(ctx: Context, path: string, rule: CompatibilityRule, what: string): void {
  ctx.issues.push({
    direction: ctx.direction,
    path,
    rule,
    message: `${where(path)}: ${what}: ${consequence(ctx)}`,
  });
}

/** "changed from <previous> to <next>", whichever side is the writer. */
function change(ctx: Context, writer: SchemaNode, reader: SchemaNode): string {
  const [prev, next] = ctx.direction === 'backward' ? [writer, reader] : [reader, writer];
  return `type changed from ${describeNode(prev)} in ${ctx.labels.previous} to ${describeNode(next)} in ${ctx.labels.next}`;
}

const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function matches(writer: SchemaNode, reader: SchemaNode): boolean {
  if (writer.kind === 'primitive' && reader.kind === 'primitive') {
    return writer.type === reader.type || (PROMOTIONS[writer.type] ?? []).includes(reader.type);
  }
  if (writer.kind === 'record' || writer.kind === 'enum' || writer.kind === 'fixed') {
    return (
      reader.kind === writer.kind &&
      (reader.fullName === writer.fullName || reader.aliases.includes(writer.fullName))
    );
  }
  return writer.kind === reader.kind && writer.kind !== 'union';
}

function resolve(writer: SchemaNode, reader: SchemaNode, path: string, ctx: Context): void {
  if (reader.kind === 'union') {
    const writerBranches = writer.kind === 'union' ? writer.branches : [writer];
    for (const branch of writerBranches) {
      const target = reader.branches.find((r) => matches(branch, r));
      if (target) resolve(branch, target, path, ctx);
      else if (writer.kind === 'union') {
        report(
          ctx,
          path,
          'union-branch-missing',
          `the ${writerLabel(ctx)} union may hold ${describeNode(branch)}, which the ${readerLabel(ctx)} union ${describeNode(reader)} lacks`,
        );
      } else report(ctx, path, 'type-changed', change(ctx, writer, reader));
    }
    return;
  }
  if (writer.kind === 'union') {
    for (const branch of writer.branches) {
      if (matches(branch, reader)) resolve(branch, reader, path, ctx);
      else report(ctx, path, 'type-changed', change(ctx, writer, reader));
    }
    return;
  }
  if (!matches(writer, reader)) {
    const renamed =
      writer.kind === reader.kind &&
      (writer.kind === 'record' || writer.kind === 'enum' || writer.kind === 'fixed');
    report(ctx, path, renamed ? 'name-changed' : 'type-changed', change(ctx, writer, reader));
    return;
  }
  switch (writer.kind) {
    case 'primitive':
      if (writer.logicalType !== (reader as typeof writer).logicalType) {
        report(
          ctx,
          path,
          'logical-type-changed',
          `${change(ctx, writer, reader)} (same bytes, another meaning)`,
        );
      }
      return;
    case 'fixed': {
      const r = reader as typeof writer;
      if (writer.size !== r.size)
        report(ctx, path, 'fixed-size-changed', `fixed ${writer.fullName} size changed`);
      else if (writer.logicalType !== r.logicalType)
        report(ctx, path, 'logical-type-changed', change(ctx, writer, reader));
      return;
    }
    case 'enum':
      return resolveEnum(writer, reader as EnumNode, path, ctx);
    case 'array':
      return resolve(writer.items, (reader as typeof writer).items, path, ctx);
    case 'map':
      return resolve(writer.values, (reader as typeof writer).values, path, ctx);
    case 'record':
      return resolveRecord(writer, reader as RecordNode, path, ctx);
  }
}

function resolveEnum(writer: EnumNode, reader: EnumNode, path: string, ctx: Context): void {
  const unknown = writer.symbols.filter((s) => !reader.symbols.includes(s));
  if (unknown.length === 0 || (reader.default !== undefined && reader.symbols.includes(reader.default)))
    return;
  const symbols = unknown.join(', ');
  const what =
    ctx.direction === 'forward'
      ? `enum ${writer.fullName} gained ${symbols} in ${ctx.labels.next}, and in ${ctx.labels.previous} it has no default to read them as`
      : `enum ${writer.fullName} lost ${symbols} in ${ctx.labels.next}, which has no default to read them as`;
  report(ctx, path, 'enum-symbol-without-default', what);
}

function resolveRecord(writer: RecordNode, reader: RecordNode, path: string, ctx: Context): void {
  const key = `${writer.fullName}>${reader.fullName}`;
  if (ctx.seen.has(key)) return; // recursive record: already being resolved
  ctx.seen.add(key);
  for (const field of reader.fields) {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    const source = writer.fields.find((w) => w.name === field.name || field.aliases.includes(w.name));
    if (source) resolve(source.type, field.type, fieldPath, ctx);
    else if (!field.hasDefault) report(ctx, fieldPath, 'field-without-default', missingField(field, ctx));
  }
  ctx.seen.delete(key);
}

function missingField(field: FieldNode, ctx: Context): string {
  return ctx.direction === 'backward'
    ? `added in ${ctx.labels.next} without a default`
    : `removed (or renamed) in ${ctx.labels.next}, and it has no default in ${ctx.labels.previous} (${describeNode(field.type)})`;
}

function avscResolution(writer: unknown, reader: unknown): string | undefined {
  try {
    parseAvroSchema(reader as Record<string, unknown>).createResolver(
      parseAvroSchema(writer as Record<string, unknown>),
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
