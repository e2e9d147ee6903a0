import { DlError } from '@dl/errors';
import type { FuncType } from '@dl/reader';

/** Value type → binary code, for the types generated code may use. */
const valueCodes: Readonly<Record<string, number>> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};

/** Appends an unsigned LEB128 u32. */
export function uleb(n: number, out: number[]): void {
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/** Appends a signed LEB128 s32. */
export function sleb(n: number, out: number[]): void {
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

let utf8: TextEncoder | undefined;

/** Appends a name: its UTF-8 length (unsigned LEB128), then its UTF-8 bytes. */
function name(text: string, out: number[]): void {
  const bytes = (utf8 ??= new TextEncoder()).encode(text);
  uleb(bytes.length, out);
  for (const b of bytes) out.push(b);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  for (const b of body) out.push(b);
}

/** Whether generated code can carry this function type (numeric and plain reference types only). */
export function encodable(type: FuncType): boolean {
  return [...type.params, ...type.results].every((t) => t in valueCodes);
}

/** A function import of a generated module. */
export interface GeneratedImport {
  readonly module: string;
  readonly name: string;
  readonly type: number;
}

/** A function defined by a generated module: its type index and body (without locals/end). */
export interface GeneratedFunction {
  readonly type: number;
  readonly body: readonly number[];
}

/** What a generated module holds. */
export interface GeneratedModule {
  readonly types: readonly FuncType[];
  /** Imports the shared table as `env.__indirect_function_table` when true. */
  readonly importTable: boolean;
  readonly imports: readonly GeneratedImport[];
  readonly functions: readonly GeneratedFunction[];
  /** Exported functions: name → function index (imports first). */
  readonly exports: readonly (readonly [string, number])[];
}

/** Encodes a generated module (types, imports, functions, exports, code). */
export function encodeModule(m: GeneratedModule): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(m.types.length, types);
  for (const t of m.types) {
    if (!encodable(t))
      throw new DlError(
        'DL_INCOMPATIBLE',
        `generated code cannot carry the type (${t.params.join(', ')}) -> (${t.results.join(', ')})`,
      );
    types.push(0x60);
    uleb(t.params.length, types);
    for (const p of t.params) types.push(valueCodes[p]!);
    uleb(t.results.length, types);
    for (const r of t.results) types.push(valueCodes[r]!);
  }
  section(1, types, out);
  const imports: number[] = [];
  uleb(m.imports.length + (m.importTable ? 1 : 0), imports);
  if (m.importTable) {
    name('env', imports);
    name('__indirect_function_table', imports);
    imports.push(0x01, 0x70, 0x00, 0x00);
  }
  for (const i of m.imports) {
    name(i.module, imports);
    name(i.name, imports);
    imports.push(0x00);
    uleb(i.type, imports);
  }
  section(2, imports, out);
  const funcs: number[] = [];
  uleb(m.functions.length, funcs);
  for (const f of m.functions) uleb(f.type, funcs);
  section(3, funcs, out);
  const exports: number[] = [];
  uleb(m.exports.length, exports);
  for (const [n, index] of m.exports) {
    name(n, exports);
    exports.push(0x00);
    uleb(index, exports);
  }
  section(7, exports, out);
  const code: number[] = [];
  uleb(m.functions.length, code);
  for (const f of m.functions) {
    const body: number[] = [0x00, ...f.body, 0x0b];
    uleb(body.length, code);
    for (const b of body) code.push(b);
  }
  section(10, code, out);
  return Uint8Array.from(out);
}

/** Body of a stub that forwards its parameters to `call_indirect` through `slot`. */
export function callIndirectBody(type: FuncType, typeIndex: number, slot: number): number[] {
  const body: number[] = [];
  for (let i = 0; i < type.params.length; i++) {
    body.push(0x20);
    uleb(i, body);
  }
  body.push(0x41);
  sleb(slot, body);
  body.push(0x11);
  uleb(typeIndex, body);
  body.push(0x00);
  return body;
}

/** A function type as a short text key: `i32,i64>f64` (parameters, `>`, results). */
export function funcTypeKey(type: FuncType): string {
  return `${type.params.join(',')}>${type.results.join(',')}`;
}

/** The function type a {@link funcTypeKey} names. */
export function funcTypeOfKey(key: string): FuncType {
  const [params = '', results = ''] = key.split('>');
  const list = (text: string): FuncType['params'] => (text === '' ? [] : text.split(','));
  return { kind: 'func', params: list(params), results: list(results) };
}

/** Index of `type` in `types`, appending it when new. */
export function typeIndex(types: FuncType[], type: FuncType): number {
  const key = funcTypeKey(type);
  const found = types.findIndex((t) => funcTypeKey(t) === key);
  if (found >= 0) return found;
  types.push(type);
  return types.length - 1;
}
