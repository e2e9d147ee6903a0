import type { FuncType } from '@dl/reader';
import type { Callable } from '@dl/symbols';
import { callIndirectBody, encodeModule, typeIndex } from './wasm-encoder.js';
import type { GeneratedFunction, GeneratedImport } from './wasm-encoder.js';

/** A function import that cannot be bound directly when its library is instantiated. */
export interface PltRequest {
  /** The type the importer declares. */
  readonly type: FuncType;
  /**
   * Finds the wasm function to call, at the latest on the first call; throws a DlError
   * (naming the symbol and the library) when there is none.
   */
  readonly resolve: () => Callable;
}

/** One PLT entry: the stub the importer calls, bound to its target at the latest on the first call. */
export interface PltEntry {
  /** The function to give the importer as its import. */
  readonly stub: Callable;
  /** Whether the entry already calls the real function. */
  readonly bound: () => boolean;
  /** Points the entry at the real function (immediate binding, or rebinding later). */
  readonly bind: (func: Callable) => void;
  /** Points the entry back at its resolver: the next call looks the symbol up again (its target was unloaded). */
  readonly unbind: () => void;
}

/** A PLT entry of a wasm PLT: its stub calls through a table slot, which holds the resolver until bound. */
export interface PltSlotEntry extends PltEntry {
  /** Table slot the stub calls through. */
  readonly slot: number;
}

/** A set of PLT entries generated together (one small wasm module), each with its request. */
export interface Plt<R extends PltRequest = PltRequest> {
  readonly entries: readonly (PltSlotEntry & { readonly request: R })[];
  /** Slots used, for releasing. */
  readonly slots: readonly number[];
}

/**
 * Builds a procedure linkage table: for each request a wasm stub `call_indirect`s through
 * its own table slot. The slot first holds a resolver (a JS function re-exported as a wasm
 * function) that finds the target, stores it in the slot and calls it; from then on calls
 * are wasm→wasm through the table, with no JS in between. Used for lazy binding and for
 * imports whose provider is instantiated after the importer (cycles, a main's imports).
 *
 * @param table - the program's funcref table
 * @param reserveSlot - reserves one slot
 * @param requests - one entry per import
 */
export function createPlt<R extends PltRequest>(
  table: WebAssembly.Table,
  reserveSlot: () => number,
  requests: readonly R[],
): Plt<R> {
  const types: FuncType[] = [];
  const imports: GeneratedImport[] = [];
  const functions: GeneratedFunction[] = [];
  const exports: [string, number][] = [];
  const slots = requests.map(() => reserveSlot());
  requests.forEach((r, i) => {
    const t = typeIndex(types, r.type);
    imports.push({ module: 'r', name: String(i), type: t });
    functions.push({ type: t, body: callIndirectBody(r.type, t, slots[i]!) });
    exports.push([`s${i}`, requests.length + i], [`r${i}`, i]);
  });
  const bound = requests.map(() => false);
  const resolvers: Record<string, Callable> = {};
  requests.forEach((r, i) => {
    resolvers[String(i)] = (...args: never[]): unknown => {
      const target = r.resolve();
      table.set(slots[i]!, target);
      bound[i] = true;
      return target(...args);
    };
  });
  const bytes = encodeModule({ types, importTable: true, imports, functions, exports });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { __indirect_function_table: table },
    r: resolvers,
  });
  const entries = requests.map((request, i): PltSlotEntry & { readonly request: R } => {
    table.set(slots[i]!, instance.exports[`r${i}`]!);
    return {
      request,
      slot: slots[i]!,
      stub: instance.exports[`s${i}`] as Callable,
      bound: () => bound[i]!,
      bind: (func) => {
        table.set(slots[i]!, func);
        bound[i] = true;
      },
      unbind: () => {
        table.set(slots[i]!, instance.exports[`r${i}`]!);
        bound[i] = false;
      },
    };
  });
  return { entries, slots };
}

/**
 * A PLT entry without wasm for an import nothing defines when its library loads (bound
 * lazily, if ever: calling it while undefined throws the resolver's error): a JS function
 * that resolves on its first call and then calls its target. It costs no module, no table
 * slot and no instance sharing the table — a wasm PLT module per load made every later
 * `Table.set`/`grow` of node 20's V8 pay for one more instance — but each call once bound
 * crosses into JS, so imports whose provider exists but is instantiated later (cycles, lazy
 * binding of defined symbols) keep the wasm PLT of {@link createPlt}.
 */
export function createThunk<R extends PltRequest>(request: R): PltEntry & { readonly request: R } {
  let target: Callable | null = null;
  const stub = (...args: never[]): unknown => (target ??= request.resolve())(...args);
  return {
    request,
    stub,
    bound: () => target !== null,
    bind: (func) => {
      target = func;
    },
    unbind: () => {
      target = null;
    },
  };
}
