/**
 * Calling a function pointer as C does: `call_indirect` through the linker's table, in a tiny
 * module made for the pointer's type (its `call(args…, slot)` export). A slot that holds nothing
 * traps in the engine ("null function"), a slot holding a function of another type traps too —
 * exactly what a stale pointer does in a program, which a JavaScript `table.get(slot)(…)` would not show.
 */

/** The value types of the wasm binary format the page can pass and receive. */
const valueTypes: Readonly<Record<string, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, externref: 0x6f };

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function valueType(type: string): number {
  const code = valueTypes[type];
  if (code === undefined) throw new TypeError(`${type} values cannot cross into JavaScript`);
  return code;
}

function funcType(params: readonly number[], results: readonly number[]): number[] {
  return [0x60, ...vector(params.map((p) => [p])), ...vector(results.map((r) => [r]))];
}

/**
 * The module: imports `env.table` (funcref, any size), exports `call: (params…, i32 slot) -> results`,
 * whose body is `local.get 0 … local.get n; call_indirect (type params -> results)`.
 */
export function pointerCallModule(params: readonly string[], results: readonly string[]): Uint8Array<ArrayBuffer> {
  const p = params.map(valueType);
  const r = results.map(valueType);
  const body = [
    0x00, // no locals
    ...p.flatMap((_, i) => [0x20, ...uleb(i)]),
    0x20,
    ...uleb(p.length),
    0x11,
    ...uleb(1), // call_indirect: type 1 (the pointer's type), table 0
    0x00,
    0x0b,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([funcType([...p, 0x7f], r), funcType(p, r)])),
    ...section(2, vector([[...name('env'), ...name('table'), 0x01, 0x70, 0x00, 0x00]])),
    ...section(3, vector([[0x00]])),
    ...section(7, vector([[...name('call'), 0x00, 0x00]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

/** The compiled module per type (`(i32, i32) -> i32`), made once. */
const compiled = new Map<string, WebAssembly.Module>();

/**
 * A function calling slot `slot` of `table` with the arguments, through `call_indirect` of type
 * `params -> results`: throws the engine's RuntimeError when the slot is null or of another type.
 */
export function pointerCaller(
  table: WebAssembly.Table,
  params: readonly string[],
  results: readonly string[],
): (slot: number, args: readonly unknown[]) => unknown {
  const key = `(${params.join(',')})->(${results.join(',')})`;
  let module = compiled.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(pointerCallModule(params, results));
    compiled.set(key, module);
  }
  const instance = new WebAssembly.Instance(module, { env: { table } });
  const call = instance.exports.call as (...a: unknown[]) => unknown;
  return (slot, args) => call(...args, slot);
}
