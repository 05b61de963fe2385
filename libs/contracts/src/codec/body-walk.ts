import type { Type, types } from 'avsc';
import type { MalformedReason } from '../errors';

export interface BodyDefect {
  readonly reason: MalformedReason;
  readonly detail: string;
}

/**
 * Walks an Avro body against its writer schema without building values, and says where it is
 * not well formed. avsc trusts block counts: an array claiming 2^31 items makes it loop (and
 * allocate) long after the buffer ends. Walking first bounds every count by the bytes left,
 * so a hostile or corrupt record costs O(length) before avsc sees it.
 */
export function findBodyDefect(type: Type, body: Buffer): BodyDefect | undefined {
  const cursor = { pos: 0 };
  try {
    walk(type, body, cursor);
  } catch (error) {
    if (error instanceof Defect) return { reason: error.reason, detail: error.message };
    if (error instanceof RangeError)
      return { reason: 'invalid-body', detail: `nested too deeply (${error.message})` };
    throw error;
  }
  if (cursor.pos !== body.length) {
    return { reason: 'trailing-bytes', detail: `${body.length - cursor.pos} byte(s) left after the record` };
  }
  return undefined;
}

/** Thrown inside the walk only; findBodyDefect returns it. */
class Defect extends Error {
  constructor(
    readonly reason: MalformedReason,
    message: string,
  ) {
    super(message);
  }
}

// Arrays and maps of items that take no bytes (null, empty records) cannot be bounded by length.
const MAX_ZERO_SIZE_ITEMS = 10_000;
const MAX_VARINT_BYTES = 10;

function walk(type: Type, buf: Buffer, cursor: { pos: number }): void {
  switch (type.typeName) {
    case 'null':
      return;
    case 'boolean':
      skip(buf, cursor, 1, 'boolean');
      return;
    case 'int':
    case 'long':
      readLong(buf, cursor);
      return;
    case 'float':
      skip(buf, cursor, 4, 'float');
      return;
    case 'double':
      skip(buf, cursor, 8, 'double');
      return;
    case 'bytes':
    case 'string': {
      const length = readLong(buf, cursor);
      if (length < 0)
        throw new Defect('invalid-body', `negative ${type.typeName} length ${length} at byte ${cursor.pos}`);
      skip(buf, cursor, length, type.typeName);
      return;
    }
    case 'fixed':
      skip(buf, cursor, (type as types.FixedType).size, `fixed ${type.name ?? ''}`);
      return;
    case 'enum': {
      const at = cursor.pos;
      const index = readLong(buf, cursor);
      const symbols = (type as types.EnumType).symbols;
      if (index < 0 || index >= symbols.length) {
        throw new Defect(
          'invalid-body',
          `enum ${type.name ?? ''} index ${index} at byte ${at} (it has ${symbols.length} symbols)`,
        );
      }
      return;
    }
    case 'array':
      walkBlocks(buf, cursor, (type as types.ArrayType).itemsType, false);
      return;
    case 'map':
      walkBlocks(buf, cursor, (type as types.MapType).valuesType as Type, true);
      return;
    case 'record':
    case 'error':
      for (const field of (type as types.RecordType).fields) walk(field.type, buf, cursor);
      return;
    case 'union:wrapped':
    case 'union:unwrapped': {
      const at = cursor.pos;
      const index = readLong(buf, cursor);
      const branch = (type as types.WrappedUnionType).types[index];
      if (index < 0 || !branch)
        throw new Defect('invalid-body', `union branch ${index} at byte ${at} does not exist`);
      walk(branch, buf, cursor);
      return;
    }
    default:
      if (type.typeName.startsWith('logical:')) {
        walk((type as types.LogicalType).underlyingType, buf, cursor);
        return;
      }
      throw new Defect('invalid-body', `unsupported Avro type ${type.typeName}`);
  }
}

function walkBlocks(buf: Buffer, cursor: { pos: number }, items: Type, isMap: boolean): void {
  const itemSize = minimumSize(items) + (isMap ? 1 : 0);
  for (;;) {
    const at = cursor.pos;
    let count = readLong(buf, cursor);
    if (count === 0) return;
    if (count < 0) {
      count = -count;
      const size = readLong(buf, cursor);
      if (size < 0) throw new Defect('invalid-body', `negative block size ${size} at byte ${cursor.pos}`);
    }
    const left = buf.length - cursor.pos;
    if (itemSize > 0 ? count * itemSize > left : count > MAX_ZERO_SIZE_ITEMS) {
      throw new Defect(
        'truncated-body',
        `block of ${count} item(s) at byte ${at} cannot fit in the ${left} byte(s) left`,
      );
    }
    for (let i = 0; i < count; i++) {
      if (isMap) {
        const length = readLong(buf, cursor);
        if (length < 0)
          throw new Defect('invalid-body', `negative map key length ${length} at byte ${cursor.pos}`);
        skip(buf, cursor, length, 'map key');
      }
      walk(items, buf, cursor);
    }
  }
}

function readLong(buf: Buffer, cursor: { pos: number }): number {
  const start = cursor.pos;
  let value = 0;
  let factor = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = buf[cursor.pos];
    if (byte === undefined) throw new Defect('truncated-body', `varint at byte ${start} runs past the end`);
    cursor.pos++;
    value += (byte & 0x7f) * factor;
    if ((byte & 0x80) === 0) {
      // Zig-zag decoding; beyond 2^53 the value is approximate, which is enough to reject it.
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    factor *= 128;
  }
  throw new Defect('invalid-body', `varint at byte ${start} is longer than ${MAX_VARINT_BYTES} bytes`);
}

function skip(buf: Buffer, cursor: { pos: number }, length: number, what: string): void {
  if (cursor.pos + length > buf.length) {
    throw new Defect(
      'truncated-body',
      `${what} of ${length} byte(s) at byte ${cursor.pos} runs past the end (${buf.length - cursor.pos} left)`,
    );
  }
  cursor.pos += length;
}

const sizes = new WeakMap<Type, number>();

/** The fewest bytes a value of `type` takes (0 for a recursive reference, which keeps it a lower bound). */
function minimumSize(type: Type, visiting: Set<Type> = new Set()): number {
  const known = sizes.get(type);
  if (known !== undefined) return known;
  if (visiting.has(type)) return 0;
  visiting.add(type);
  let size: number;
  switch (type.typeName) {
    case 'null':
      size = 0;
      break;
    case 'float':
      size = 4;
      break;
    case 'double':
      size = 8;
      break;
    case 'fixed':
      size = (type as types.FixedType).size;
      break;
    case 'record':
    case 'error':
      size = (type as types.RecordType).fields.reduce((sum, f) => sum + minimumSize(f.type, visiting), 0);
      break;
    default:
      size = type.typeName.startsWith('logical:')
        ? minimumSize((type as types.LogicalType).underlyingType, visiting)
        : 1; // boolean, varints, length-prefixed, enum, array, map, union index
  }
  visiting.delete(type);
  sizes.set(type, size);
  return size;
}
