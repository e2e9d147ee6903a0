import { defaultLimits, HostAllocator, TableAllocator } from '@dl/layout';
import type { MemoryAllocator } from '@dl/layout';
import type { FuncType } from '@dl/reader';
import { FunctionSlots, GotTable, Scope } from '@dl/symbols';
import type { Callable, Definition, Provider } from '@dl/symbols';
import { AliasTable } from './aliases.js';
import { HeldBlocks } from './leak.js';
import { defaultGraphLimits } from './discover.js';
import { tracer } from './events.js';
import { HostFunctions } from './host-functions.js';
import type { MainRequest } from './load/job.js';
import { heapOf, setUpKind } from './program-kinds.js';
import { conventionsOf } from './runtime.js';
import type { RuntimeAdapter } from './runtime.js';
import { toFuncType } from './signatures.js';
import type { AtExit, LinkState } from './state.js';
import { ChangeLog } from './threads/changes.js';
import type { HostFunction, LinkerOptions, Program } from './types.js';

/** What setting up the program produced, beyond the state. */
export interface ProgramSetup {
  readonly state: LinkState;
  /** For a relocatable main: what the first load brings first. */
  readonly main: MainRequest | null;
}

function hostDefinitions(provider: Provider, functions: Readonly<Record<string, HostFunction>>): Definition[] {
  return Object.entries(functions).map(([name, f]): Definition => {
    const func: Callable = typeof f === 'function' ? f : f.func;
    const type: FuncType | null = typeof f === 'function' ? null : toFuncType(f.type, name);
    return { kind: 'function', name, provider, func, type, wasm: false };
  });
}

/**
 * The runtime's `resolveFallback` phase as definitions, made once per name (the same function
 * keeps one address). An answer given during a load is forgotten if that load fails.
 */
function fallbackDefinitions(state: LinkState, runtime: RuntimeAdapter): (name: string) => Definition | undefined {
  const made = new Map<string, Definition>();
  return (name) => {
    const known = made.get(name);
    if (known !== undefined) return known;
    const value = runtime.resolveFallback?.(name, state.load);
    if (value === undefined) return undefined;
    const provider = state.mainProvider;
    const d =
      typeof value === 'number'
        ? { kind: 'data' as const, name, provider, address: value }
        : hostDefinitions(provider, { [name]: value })[0]!;
    made.set(name, d);
    state.load?.record(() => {
      made.delete(name);
    });
    return d;
  };
}

/** The table's allocator and its function slots (the program's own first `used` slots registered). */
function tableOf(table: WebAssembly.Table, used: number): { tables: TableAllocator; slots: FunctionSlots } {
  const tables = new TableAllocator(table);
  const slots = new FunctionSlots(table, {
    reserve: (owner) => tables.reserveSlot(owner),
    release: (slot) => {
      tables.release(slot);
    },
    retire: (slot) => {
      tables.retire(slot);
    },
  });
  if (used > 0) slots.registerRange(0, used);
  return { tables, slots };
}

/**
 * Creates the linker state for the kind of main program given: the memory, table, stack
 * pointer and allocator, and the main's (or host's) symbols first in the global scope.
 */
export function setUpProgram(options: LinkerOptions): ProgramSetup {
  const program: Program = options.program ?? { kind: 'host' };
  const runtime = options.runtime ?? {};
  const conventions = conventionsOf(runtime);
  const provider: Provider = { id: 0, name: program.kind === 'host' ? 'host' : (program.name ?? 'main') };
  const parts = setUpKind(program, { options, provider, alignedAlloc: conventions.alignedAlloc });
  const definitions = [
    ...parts.definitions,
    ...(program.functions === undefined ? [] : hostDefinitions(provider, program.functions)),
  ];
  const { tables, slots } = tableOf(parts.table, parts.usedTable);
  const global = new Scope(0, 'global');
  const atexit: AtExit[] = [];
  const state: LinkState = {
    memory: parts.memory,
    table: parts.table,
    stackPointer: parts.stackPointer,
    allocator: parts.allocator,
    tables,
    slots,
    stack: parts.stack,
    heapBase: null,
    libraries: new Map(),
    byKey: new Map(),
    aliases: new AliasTable(),
    handles: new Map(),
    main: null,
    nextId: 1,
    changes: new ChangeLog(),
    global,
    got: new GotTable(),
    sharedGot: program.kind === 'attached' ? (program.got ?? null) : null,
    tags: new Map(),
    hostFunctions: new HostFunctions(),
    mainProvider: provider,
    imports: { ...options.imports, ...(program.kind === 'relocatable' ? program.imports : {}) },
    atexit,
    registerAtExit: (fn: number, arg: number, dso: number): number => {
      atexit.push({ fn, arg, dso });
      return 0;
    },
    held: new HeldBlocks(),
    leakCheck: options.leakCheck ?? 'off',
    beforeUnload: options.beforeUnload ?? null,
    nextScopeId: 1,
    loader: options.loader ?? null,
    limits: { ...defaultLimits, ...defaultGraphLimits, ...options.limits },
    runtime,
    conventions,
    programKind: program.kind,
    emit: options.onEvent ?? ((): void => undefined),
    trace: tracer(options.debug),
    load: null,
    busy: false,
  };
  wireProgram(state, program, parts.main === null ? withBuiltins(state, definitions, parts.legacyI64) : null);
  return { state, main: parts.main === null ? null : { ...parts.main, extras: definitions } };
}

/**
 * The state's last links: GOT changes reported (threads following the program copy every change
 * of an entry's value), an attached program's tags shared, the program's symbols first in the
 * global scope (`symbols`; null when a main's come with its instance), the runtime's fallback.
 */
function wireProgram(state: LinkState, program: Program, symbols: readonly Definition[] | null): void {
  state.got.onChange = (entry, moved) => {
    state.changes.got(entry, moved);
  };
  if (program.kind === 'attached')
    for (const [name, tag] of Object.entries(program.tags ?? {})) state.tags.set(name, tag);
  if (symbols !== null) state.global.add(state.mainProvider, symbols);
  if (state.runtime.resolveFallback !== undefined) state.global.fallback = fallbackDefinitions(state, state.runtime);
}

const atexitType: FuncType = { kind: 'func', params: ['i32', 'i32', 'i32'], results: ['i32'] };
const alignedAllocType: FuncType = { kind: 'func', params: ['i32', 'i32'], results: ['i32'] };
const setTempRet0Type: FuncType = { kind: 'func', params: ['i32'], results: [] };
const getTempRet0Type: FuncType = { kind: 'func', params: [], results: ['i32'] };

/**
 * The main's (or host's) definitions plus the linker's builtins, for names nobody else
 * defines: `__cxa_atexit` (destructors recorded with their DSO handle and run in reverse by
 * `linker.exit()`) and the runtime's aligned allocator (`RuntimeAdapter.alignedAlloc`: emcc's
 * side modules allocate their TLS blocks with it) from the linker's allocator — a block given
 * during a load is released if the load fails.
 */
export function withBuiltins(state: LinkState, defs: Definition[], legacyI64: boolean): Definition[] {
  const names = new Set(defs.map((d) => d.name));
  const out = [...defs];
  const add = (name: string, func: Callable, type: FuncType): void => {
    if (!names.has(name)) out.push({ kind: 'function', name, provider: state.mainProvider, func, type, wasm: false });
  };
  add('__cxa_atexit', state.registerAtExit, atexitType);
  const alignedAlloc = state.conventions.alignedAlloc;
  add(
    alignedAlloc,
    (align: number, size: number): number => {
      const allocator = state.allocator;
      const r = allocator.reserve(size, Math.max(align, 1), alignedAlloc);
      const current = state.load?.current;
      if (current?.runtimeTls === null) current.runtimeTls = { size, align: Math.max(align, 1) };
      // During a load, the block belongs to the library being set up (emcc's TLS block): it is
      // released if the load fails, and when that library is unloaded.
      state.load?.ownCurrent(() => {
        allocator.release(r);
      });
      return r.address;
    },
    alignedAllocType,
  );
  if (!legacyI64) return out;
  let tempRet0 = 0;
  add(
    'setTempRet0',
    (value: number): void => {
      tempRet0 = value;
    },
    setTempRet0Type,
  );
  add('getTempRet0', (): number => tempRet0, getTempRet0Type);
  return out;
}

/** A relocatable main's allocator once its runtime is up: its exports, bumping `__heap_base` before. */
export function mainAllocator(
  state: LinkState,
  exports: WebAssembly.Exports,
  strategy: LinkerOptions['memoryStrategy'],
  ready: () => boolean,
): MemoryAllocator | null {
  const heap = heapOf(exports, state.conventions.alignedAlloc);
  if (heap === null || strategy === 'linker-heap' || state.heapBase === null) return null;
  const base = state.heapBase;
  return new HostAllocator(state.memory, {
    heap,
    ready,
    heapBase: {
      get: () => base.value as number,
      set: (v) => {
        base.value = v;
      },
    },
  });
}
