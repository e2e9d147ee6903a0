import type { FuncType, GlobalType } from '@dl/reader';
import type { Callable, Definition, FunctionDefinition, Provider } from './definitions.js';
import { isInternalName } from './internal-names.js';
import { originalsOf } from './resolver.js';
import { sameFuncType } from './signature.js';

/** Where a library's exports are relocated to. */
export interface Relocation {
  /** Added to data exports (the library's `__memory_base`; 0 for a non-relocatable main). */
  readonly memoryBase: number;
  /** The current thread's TLS block base, for exports flagged TLS; `null` when the library has none. */
  readonly tlsBase: number | null;
  /** Export names flagged TLS in EXPORT_INFO. */
  readonly tlsExports: ReadonlySet<string>;
}

/** An export as the linker knows it: from `readModule` (typed) or engine reflection (types `null`). */
export type ExportLike =
  | { readonly kind: 'function'; readonly name: string; readonly type: FuncType | null }
  | {
      readonly kind: 'global';
      readonly name: string;
      readonly type: GlobalType | null;
      /** Its constant initialiser when `readModule` decoded one (saves reading the global). */
      readonly init?: { readonly op: string; readonly value?: unknown } | null;
    }
  | { readonly kind: 'memory' | 'table' | 'tag'; readonly name: string };

/**
 * Mutability of untyped global exports, by export description: the type belongs to the module's
 * export, so every instance of a module whose metadata is remembered asks once.
 */
const probed = new WeakMap<ExportLike, boolean>();

/**
 * Mutability of a global whose type is unknown: writing its own value throws when immutable.
 * The throw is the cost (a few µs, most of it the stack trace), so the trace is turned off
 * around it where the engine has `Error.stackTraceLimit` and lets it be set.
 */
function probeMutable(global: WebAssembly.Global): boolean {
  const limit: unknown = Reflect.get(Error, 'stackTraceLimit');
  const muted = typeof limit === 'number' && Reflect.set(Error, 'stackTraceLimit', 0);
  try {
    global.value = global.value as number;
    return true;
  } catch {
    return false;
  } finally {
    if (muted) Reflect.set(Error, 'stackTraceLimit', limit);
  }
}

/** Whether an untyped global export holds an address: an integer in an immutable global. */
function untypedAddress(e: ExportLike, global: WebAssembly.Global): boolean {
  const value: unknown = global.value;
  if (typeof value !== 'bigint' && !Number.isInteger(value)) return false;
  let mutable = probed.get(e);
  if (mutable === undefined) probed.set(e, (mutable = probeMutable(global)));
  return !mutable;
}

/**
 * One export as a definition: a function with its type (and its `orig$` twin when Emscripten
 * legalised it), an immutable i32/i64 global as a relocated data address (a TLS one as an
 * offset from the TLS block), any other global as a global.
 *
 * @param originals - `orig$` twins by the name they belong to, if any
 */
export function definitionOf(
  provider: Provider,
  e: ExportLike,
  values: WebAssembly.Exports,
  relocation: Relocation,
  originals: ReadonlyMap<string, ExportLike> | null,
): Definition {
  const value = values[e.name];
  if (e.kind === 'function') {
    const twin = originals?.get(e.name);
    const original =
      twin?.kind === 'function' && twin.type !== null
        ? { func: values[twin.name] as Callable, type: twin.type }
        : undefined;
    return { kind: 'function', name: e.name, provider, func: value as Callable, type: e.type, wasm: true, original };
  }
  const global = value as WebAssembly.Global;
  const type = e.kind === 'global' ? e.type : null;
  const isAddress =
    type === null ? untypedAddress(e, global) : !type.mutable && (type.valueType === 'i32' || type.valueType === 'i64');
  if (!isAddress) return { kind: 'global', name: e.name, provider, global, type };
  const init = e.kind === 'global' ? e.init : undefined;
  const raw = init?.op === 'i32.const' ? (init.value as number) : Number(global.value);
  if (relocation.tlsExports.has(e.name) && relocation.tlsBase !== null) {
    return { kind: 'tls', name: e.name, provider, offset: raw, address: relocation.tlsBase + raw };
  }
  return { kind: 'data', name: e.name, provider, address: raw + relocation.memoryBase };
}

/**
 * Turns all of a library's exports into definitions at once (linker-internal names left
 * out). Cost: the library's exports. `InstanceSource` does the same lazily.
 *
 * @param provider - the library
 * @param exports - its exports as read by `readModule`
 * @param values - the instance's exports
 * @param relocation - its memory base and TLS block
 */
export function definitionsOf(
  provider: Provider,
  exports: readonly ExportLike[],
  values: WebAssembly.Exports,
  relocation: Relocation,
): Definition[] {
  const originals = originalsOf(exports);
  const out: Definition[] = [];
  for (const e of exports) {
    if (isInternalName(e.name) || (e.kind !== 'function' && e.kind !== 'global')) continue;
    out.push(definitionOf(provider, e, values, relocation, originals));
  }
  return out;
}

/**
 * The callable to bind to an import of `type`: the definition itself, or its `orig$` twin
 * when that one has the importer's type (Emscripten i64 legalisation). `null` on mismatch.
 */
export function pickFunction(
  d: FunctionDefinition,
  type: FuncType | null,
): { func: Callable; type: FuncType | null } | null {
  if (type === null || d.type === null || sameFuncType(d.type, type)) return { func: d.func, type: d.type ?? type };
  if (d.original !== undefined && sameFuncType(d.original.type, type)) return d.original;
  return null;
}

/** The function whose address `&name` denotes: the `orig$` twin when there is one (real signature). */
export function addressTarget(d: FunctionDefinition): { func: Callable; type: FuncType | null } {
  return d.original ?? { func: d.func, type: d.type };
}
