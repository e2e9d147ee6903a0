import { DlError } from '@dl/errors';
import { alignUp, defaultLimits, ensureMemory, HostAllocator, LinkerHeap, PAGE, TableAllocator } from '@dl/layout';
import type { HostHeap, MemoryAllocator } from '@dl/layout';
import type { FuncType } from '@dl/reader';
import { definitionsOf, FunctionSlots, GotTable, Scope } from '@dl/symbols';
import type { Callable, Definition, ExportLike, Provider } from '@dl/symbols';
import { tracer } from './events.js';
import { HostFunctions } from './host-functions.js';
import { defaultGraphLimits } from './discover.js';
import { metaFromSource } from './metadata.js';
import type { MainRequest } from './batch.js';
import { toFuncType } from './signatures.js';
import type { LinkState } from './state.js';
import type { HostData, HostFunction, LinkerOptions, Program } from './types.js';

const DEFAULT_STACK = 64 * 1024;
const NULL_GUARD = 1024;

/** What setting up the program produced, beyond the state. */
export interface ProgramSetup {
  readonly state: LinkState;
  /** For a relocatable main: what the first batch loads first. */
  readonly main: MainRequest | null;
}

function hostDefinitions(provider: Provider, functions: Readonly<Record<string, HostFunction>>): Definition[] {
  return Object.entries(functions).map(([name, f]): Definition => {
    const func: Callable = typeof f === 'function' ? f : f.func;
    const type: FuncType | null = typeof f === 'function' ? null : toFuncType(f.type, name);
    return { kind: 'function', name, provider, func, type, wasm: false };
  });
}

/** The fallback option as definitions, made once per name (the same function keeps one address). */
function fallbackDefinitions(provider: Provider, fallback: (name: string) => HostFunction | number | undefined): (name: string) => Definition | undefined {
  const made = new Map<string, Definition>();
  return (name) => {
    const known = made.get(name);
    if (known !== undefined) return known;
    const value = fallback(name);
    if (value === undefined) return undefined;
    const d = typeof value === 'number' ? { kind: 'data' as const, name, provider, address: value } : hostDefinitions(provider, { [name]: value })[0]!;
    made.set(name, d);
    return d;
  };
}

/** Host data symbols, reserved in linear memory and initialised. */
function hostData(allocator: MemoryAllocator, memory: WebAssembly.Memory, provider: Provider, data: Readonly<Record<string, HostData>>): Definition[] {
  return Object.entries(data).map(([name, d]): Definition => {
    const size = d.bytes?.length ?? d.size ?? 0;
    const r = allocator.reserve(size, Math.max(d.align ?? 16, 1), `host data ${name}`);
    if (d.bytes !== undefined) new Uint8Array(memory.buffer, r.address, size).set(d.bytes);
    return { kind: 'data', name, provider, address: r.address };
  });
}

function newMemory(pages: number, shared: boolean): WebAssembly.Memory {
  return new WebAssembly.Memory(shared ? { initial: pages, maximum: 65536, shared: true } : { initial: pages });
}

function heapOf(exports: WebAssembly.Exports): HostHeap | null {
  const malloc = exports.malloc;
  const free = exports.free;
  if (typeof malloc !== 'function' || typeof free !== 'function') return null;
  const aligned = exports.aligned_alloc ?? exports.memalign ?? exports.emscripten_builtin_memalign;
  return {
    malloc: malloc as (n: number) => number,
    free: free as (p: number) => void,
    alignedAlloc: typeof aligned === 'function' ? (aligned as (a: number, n: number) => number) : undefined,
  };
}

/**
 * Creates the linker state for the kind of main program given: the memory, table, stack
 * pointer and allocator, and the main's (or host's) symbols first in the global scope.
 */
export function setUpProgram(options: LinkerOptions): ProgramSetup {
  const program: Program = options.program ?? { kind: 'host' };
  const limits = { ...defaultLimits, ...defaultGraphLimits, ...options.limits };
  const global = new Scope(0, 'global');
  const mainProvider: Provider = { id: 0, name: program.kind === 'host' ? 'host' : (program.name ?? 'main') };
  let memory: WebAssembly.Memory;
  let table: WebAssembly.Table;
  let stackPointer: WebAssembly.Global;
  let allocator: MemoryAllocator;
  let stack = { low: 0, high: 0 };
  let main: MainRequest | null = null;
  const mainDefs: Definition[] = [];
  let registerTable = 0;

  if (program.kind === 'attached') {
    const ex = program.exports;
    memory = program.memory ?? (ex.memory as WebAssembly.Memory);
    table = program.table ?? (ex.__indirect_function_table as WebAssembly.Table);
    stackPointer = program.stackPointer ?? (ex.__stack_pointer as WebAssembly.Global);
    if (!(memory instanceof WebAssembly.Memory) || !(table instanceof WebAssembly.Table) || !(stackPointer instanceof WebAssembly.Global)) {
      throw new DlError('DL_INCOMPATIBLE', 'an attached main must export (or be given) its memory, __indirect_function_table and __stack_pointer', { library: mainProvider.name });
    }
    const heap = program.allocator?.heap ?? heapOf(ex);
    if (heap !== null && options.memoryStrategy !== 'linker-heap') allocator = new HostAllocator(memory, { heap, ready: program.allocator?.ready, heapBase: program.allocator?.heapBase });
    else if (program.heapStart !== undefined) allocator = new LinkerHeap(memory, { start: program.heapStart });
    else throw new DlError('DL_INCOMPATIBLE', 'the attached main exports no malloc/free; give heapStart for a linker-owned heap', { library: mainProvider.name });
    const exportsLike = Object.entries(ex).flatMap(([name, v]): ExportLike[] =>
      typeof v === 'function' ? [{ kind: 'function', name, type: null }] : v instanceof WebAssembly.Global ? [{ kind: 'global', name, type: null }] : []);
    mainDefs.push(...definitionsOf(mainProvider, exportsLike, ex, { memoryBase: 0, tlsBase: null, tlsExports: new Set() }));
    registerTable = table.length;
  } else {
    const shared = program.shared === true;
    const stackSize = alignUp(program.stackSize ?? DEFAULT_STACK, 16);
    let heapStart: number;
    if (program.kind === 'relocatable') {
      const name = program.name ?? 'main';
      const source = program.module instanceof WebAssembly.Module ? program.module : (program.module as Uint8Array<ArrayBuffer>);
      const meta = metaFromSource(source instanceof WebAssembly.Module ? { module: source } : { bytes: source }, name);
      const base = alignUp(program.globalBase ?? NULL_GUARD, Math.max(16, 2 ** meta.dylink.memoryAlign));
      const ownsHeap = meta.imports.some((i) => i.role === 'got-special' && i.name === '__heap_base');
      if (ownsHeap && options.memoryStrategy === 'linker-heap') {
        throw new DlError('DL_INCOMPATIBLE', 'the main\'s own allocator starts at __heap_base, where a linker heap would be; use memoryStrategy "auto" or "host"', { library: name });
      }
      main = {
        pending: { name, key: program.location ?? name, location: program.location ?? null, neededBy: null, chain: [], meta, source, isMain: true, needed: [] },
        memoryBase: base, extras: [], strategy: options.memoryStrategy,
      };
      const dataEnd = base + meta.dylink.memorySize;
      stack = { low: alignUp(dataEnd, 16), high: alignUp(dataEnd, 16) + stackSize };
      heapStart = stack.high;
      const declared = meta.imports.find((i) => i.role === 'memory');
      memory = program.memory ?? newMemory(Math.max(program.initialPages ?? 16, declared?.minimum ?? 0, Math.ceil(heapStart / PAGE) + 1), shared || declared?.shared === true);
    } else {
      stack = { low: NULL_GUARD, high: NULL_GUARD + stackSize };
      heapStart = stack.high;
      memory = program.memory ?? newMemory(Math.max(program.initialPages ?? 16, Math.ceil(heapStart / PAGE) + 1), shared);
    }
    if (!ensureMemory(memory, heapStart)) throw new DlError('DL_OUT_OF_MEMORY', `the memory cannot hold the stack and main data (${heapStart} bytes)`);
    table = program.table ?? new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, stack.high);
    allocator = new LinkerHeap(memory, { start: heapStart });
    if (program.kind === 'host' && program.data !== undefined) mainDefs.push(...hostData(allocator, memory, mainProvider, program.data));
  }
  if (program.functions !== undefined) mainDefs.push(...hostDefinitions(mainProvider, program.functions));
  if (main !== null) main = { ...main, extras: mainDefs };

  const tables = new TableAllocator(table);
  const slots = new FunctionSlots(table, { reserve: (owner) => tables.reserveSlot(owner), release: (slot) => { tables.release(slot); } });
  if (registerTable > 0) slots.registerRange(0, registerTable);
  const state: LinkState = {
    memory, table, stackPointer, allocator, tables, global, got: new GotTable(), slots, hostFunctions: new HostFunctions(),
    tags: new Map(), libraries: new Map(), byKey: new Map(), aliases: new Map(), mainProvider, main: null, heapBase: null, stack, limits,
    sharedGot: program.kind === 'attached' ? program.got ?? null : null,
    constructors: options.constructors ?? null,
    loader: options.loader ?? null, imports: { ...options.imports, ...(program.kind === 'relocatable' ? program.imports : {}) }, atexit: [], builtinReservations: [], nextId: 1, nextScopeId: 1, busy: false,
    emit: options.onEvent ?? ((): void => undefined), admit: options.admit ?? null, runtime: options.runtime ?? null, trace: tracer(options.debug),
  };
  if (program.kind === 'attached') for (const [name, tag] of Object.entries(program.tags ?? {})) state.tags.set(name, tag);
  if (main === null) global.add(mainProvider, withBuiltins(state, mainDefs, program.kind === 'host'));
  if (options.fallback !== undefined) global.fallback = fallbackDefinitions(mainProvider, options.fallback);
  return { state, main };
}

const atexitType: FuncType = { kind: 'func', params: ['i32', 'i32', 'i32'], results: ['i32'] };
const memalignType: FuncType = { kind: 'func', params: ['i32', 'i32'], results: ['i32'] };
const setTempRet0Type: FuncType = { kind: 'func', params: ['i32'], results: [] };
const getTempRet0Type: FuncType = { kind: 'func', params: [], results: ['i32'] };

/**
 * The main's (or host's) definitions plus the linker's builtins, for names nobody else
 * defines: `__cxa_atexit` (destructors recorded with their DSO handle and run in reverse by
 * `linker.exit()`) and `emscripten_builtin_memalign` (Emscripten TLS blocks, from the
 * linker's allocator).
 */
export function withBuiltins(state: LinkState, defs: Definition[], legacyI64: boolean): Definition[] {
  const names = new Set(defs.map((d) => d.name));
  const out = [...defs];
  const add = (name: string, func: Callable, type: FuncType): void => {
    if (!names.has(name)) out.push({ kind: 'function', name, provider: state.mainProvider, func, type, wasm: false });
  };
  add('__cxa_atexit', ((fn: number, arg: number, dso: number): number => {
    state.atexit.push({ fn, arg, dso });
    return 0;
  }), atexitType);
  add('emscripten_builtin_memalign', ((align: number, size: number): number => {
    const r = state.allocator.reserve(size, Math.max(align, 1), 'emscripten_builtin_memalign');
    state.builtinReservations.push({ reservation: r, allocator: state.allocator });
    return r.address;
  }), memalignType);
  if (!legacyI64) return out;
  let tempRet0 = 0;
  add('setTempRet0', ((value: number): void => { tempRet0 = value; }), setTempRet0Type);
  add('getTempRet0', ((): number => tempRet0), getTempRet0Type);
  return out;
}

/** A relocatable main's allocator once its runtime is up: its exports, bumping `__heap_base` before. */
export function mainAllocator(state: LinkState, exports: WebAssembly.Exports, strategy: LinkerOptions['memoryStrategy'], ready: () => boolean): MemoryAllocator | null {
  const heap = heapOf(exports);
  if (heap === null || strategy === 'linker-heap' || state.heapBase === null) return null;
  const base = state.heapBase;
  return new HostAllocator(state.memory, { heap, ready, heapBase: { get: () => base.value as number, set: (v) => { base.value = v; } } });
}
