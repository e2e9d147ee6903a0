import type { ByteReader } from '../bytes/byte-reader.js';
import { heapTypeCodes, typeForms, valueTypeCodes } from '../format/ids.js';
import type { FuncType, GlobalType, Limits, TableType, TypeDef, ValueType } from './types.js';

/** Reads a heap type: an abstract type byte or a non-negative type index (s33). */
export function readHeapType(r: ByteReader, what: string): string {
  const abstract = r.position < r.end ? heapTypeCodes.get(r.bytes[r.position]!) : undefined;
  if (abstract !== undefined) {
    r.skip(1, what);
    return abstract;
  }
  const at = r.position;
  const index = r.signed(33, what);
  if (index < 0) r.fail('DL_BAD_VALUE', `unknown heap type ${index}`, what, at);
  return String(index);
}

/** Reads a value type (numeric, vector or reference). */
export function readValueType(r: ByteReader, what: string): ValueType {
  const at = r.position;
  const code = r.u8(what);
  const simple = valueTypeCodes.get(code);
  if (simple !== undefined) return simple;
  if (code === typeForms.refNull || code === typeForms.ref) {
    const heap = readHeapType(r, what);
    return code === typeForms.refNull ? `(ref null ${heap})` : `(ref ${heap})`;
  }
  return r.fail('DL_BAD_VALUE', `unknown value type 0x${code.toString(16)}`, what, at);
}

function readValueTypes(r: ByteReader, what: string): ValueType[] {
  const n = r.count(`${what} count`, 1);
  const out: ValueType[] = [];
  for (let i = 0; i < n; i++) out.push(readValueType(r, what));
  return out;
}

function readFieldType(r: ByteReader): void {
  const code = r.position < r.end ? r.bytes[r.position]! : -1;
  if (code === typeForms.packedI8 || code === typeForms.packedI16) r.skip(1, 'packed field type');
  else readValueType(r, 'field type');
  readMutability(r, 'field mutability');
}

function readMutability(r: ByteReader, what: string): boolean {
  const at = r.position;
  const m = r.u8(what);
  if (m > 1) r.fail('DL_BAD_VALUE', `mutability must be 0 or 1, not ${m}`, what, at);
  return m === 1;
}

function readCompositeType(r: ByteReader): TypeDef {
  const at = r.position;
  const form = r.u8('type form');
  switch (form) {
    case typeForms.func: {
      const params = readValueTypes(r, 'parameter type');
      const results = readValueTypes(r, 'result type');
      return { kind: 'func', params, results } satisfies FuncType;
    }
    case typeForms.struct: {
      const n = r.count('struct field count', 2);
      for (let i = 0; i < n; i++) readFieldType(r);
      return { kind: 'struct' };
    }
    case typeForms.array:
      readFieldType(r);
      return { kind: 'array' };
    default:
      return r.fail('DL_BAD_VALUE', `unknown type form 0x${form.toString(16)}`, 'type definition', at);
  }
}

function readSubType(r: ByteReader): TypeDef {
  const form = r.position < r.end ? r.bytes[r.position]! : -1;
  if (form === typeForms.sub || form === typeForms.subFinal) {
    r.skip(1, 'subtype form');
    const n = r.count('supertype count', 1);
    for (let i = 0; i < n; i++) r.u32('supertype index');
  }
  return readCompositeType(r);
}

/** Reads the type section. Recursive groups contribute one type index per member. */
export function readTypeSection(r: ByteReader): TypeDef[] {
  const n = r.count('type count', 1);
  const types: TypeDef[] = [];
  for (let i = 0; i < n; i++) {
    if (r.position < r.end && r.bytes[r.position] === typeForms.rec) {
      r.skip(1, 'rec group');
      const members = r.count('rec group size', 1);
      for (let j = 0; j < members; j++) types.push(readSubType(r));
    } else {
      types.push(readSubType(r));
    }
  }
  r.expectEnd('type section');
  return types;
}

/** Reads memory or table limits. `forMemory` allows the shared and page-size flags. */
export function readLimits(r: ByteReader, forMemory: boolean): Limits {
  const at = r.position;
  const flags = r.u8('limits flags');
  const allowed = forMemory ? 0x0f : 0x05;
  if (flags & ~allowed) r.fail('DL_BAD_VALUE', `unknown limits flags 0x${flags.toString(16)}`, 'limits', at);
  const index64 = (flags & 0x04) !== 0;
  const read = (what: string): number => (index64 ? r.u64(what) : r.u32(what));
  const min = read('limits minimum');
  const max = flags & 0x01 ? read('limits maximum') : null;
  let pageSize = forMemory ? 65536 : 1;
  if (flags & 0x08) {
    const p = r.u32('page size exponent');
    if (p > 16) r.fail('DL_BAD_VALUE', `page size 2^${p} is larger than 64 KiB`, 'page size', at);
    pageSize = 2 ** p;
  }
  return { min, max, shared: (flags & 0x02) !== 0, index64, pageSize };
}

/** Reads a table type: reference type + limits. */
export function readTableType(r: ByteReader): TableType {
  const elementType = readValueType(r, 'table element type');
  return { elementType, limits: readLimits(r, false) };
}

/**
 * One shared, frozen object per (value type, mutability) of a plain value type: a module has a
 * global per exported data symbol (wasm-ld), and a program of many libraries keeps their types.
 * Typed references (`(ref …)`, one per heap type) get their own objects: what bytes can name
 * must not grow this process-wide map without bound.
 */
const sharedGlobalTypes = new Map<ValueType, readonly [GlobalType, GlobalType]>();

/** Reads a global type: value type + mutability (a shared, frozen object for a plain value type). */
export function readGlobalType(r: ByteReader): GlobalType {
  const valueType = readValueType(r, 'global value type');
  const mutable = readMutability(r, 'global mutability');
  if (valueType.startsWith('(')) return { valueType, mutable };
  let pair = sharedGlobalTypes.get(valueType);
  if (pair === undefined) {
    pair = [Object.freeze({ valueType, mutable: false }), Object.freeze({ valueType, mutable: true })];
    sharedGlobalTypes.set(valueType, pair);
  }
  return pair[mutable ? 1 : 0];
}
