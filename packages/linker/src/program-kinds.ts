import { DlError } from '@dl/errors';
import { alignUp, ensureMemory, HostAllocator, LinkerHeap, PAGE } from '@dl/layout';
import type { HostHeap, MemoryAllocator } from '@dl/layout';
import { definitionsOf } from '@dl/symbols';
import type { Definition, ExportLike, Provider } from '@dl/symbols';
import type { MainRequest } from './load/job.js';
import { metaFromSource } from './metadata.js';
import type {
  AttachedMainProgram,
  HostData,
  JsHostProgram,
  LinkerOptions,
  Program,
  RelocatableMainProgram,
} from './types.js';

const DEFAULT_STACK = 64 * 1024;
const NULL_GUARD = 1024;

/** What a program's kind sets up: memory, table, stack, allocator, the program's own symbols. */
export interface ProgramParts {
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  readonly allocator: MemoryAllocator;
  readonly stack: { readonly low: number; readonly high: number };
  /** The program's symbols besides its functions (an attached main's exports, a host's data). */
  readonly definitions: readonly Definition[];
  /** A relocatable main: what the first load brings first (its `extras` filled in later). */
  readonly main: MainRequest | null;
  /** Table slots already used by the program (an attached main's table). */
  readonly usedTable: number;
  /** Whether the linker gives the program the legacy i64 helpers (`setTempRet0`/`getTempRet0`). */
  readonly legacyI64: boolean;
}

/** What setting up a program of one kind needs besides the program. */
export interface KindContext {
  readonly options: LinkerOptions;
  readonly provider: Provider;
  /** The runtime's aligned allocator's name, which a main's exports may give. */
  readonly alignedAlloc: string;
}

/** One kind of program: how its memory, table, stack, allocator and symbols are set up. */
export type ProgramKind<P extends Program> = (program: P, context: KindContext) => ProgramParts;

/** Host data symbols, reserved in linear memory and initialised. */
function hostData(
  allocator: MemoryAllocator,
  memory: WebAssembly.Memory,
  provider: Provider,
  data: Readonly<Record<string, HostData>>,
): Definition[] {
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

/** A main's allocator from its exports: `malloc`, `free`, and an aligned allocator if it has one. */
export function heapOf(exports: WebAssembly.Exports, alignedAlloc: string): HostHeap | null {
  const malloc = exports.malloc;
  const free = exports.free;
  if (typeof malloc !== 'function' || typeof free !== 'function') return null;
  const aligned = exports.aligned_alloc ?? exports.memalign ?? exports[alignedAlloc];
  return {
    malloc: malloc as (n: number) => number,
    free: free as (p: number) => void,
    alignedAlloc: typeof aligned === 'function' ? (aligned as (a: number, n: number) => number) : undefined,
  };
}

/** The stack, memory, table, stack pointer and linker heap of a program the linker lays out (host, relocatable). */
function laidOut(
  program: JsHostProgram | RelocatableMainProgram,
  dataEnd: number,
  declaredPages: number,
  shared: boolean,
): Omit<ProgramParts, 'definitions' | 'main' | 'usedTable' | 'legacyI64'> {
  const stackSize = alignUp(program.stackSize ?? DEFAULT_STACK, 16);
  const stack = { low: alignUp(dataEnd, 16), high: alignUp(dataEnd, 16) + stackSize };
  const heapStart = stack.high;
  const memory =
    program.memory ??
    newMemory(Math.max(program.initialPages ?? 16, declaredPages, Math.ceil(heapStart / PAGE) + 1), shared);
  if (!ensureMemory(memory, heapStart))
    throw new DlError('DL_OUT_OF_MEMORY', `the memory cannot hold the stack and main data (${heapStart} bytes)`);
  const table = program.table ?? new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
  const stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, stack.high);
  return { memory, table, stackPointer, stack, allocator: new LinkerHeap(memory, { start: heapStart }) };
}

/** (1) A JS host: the stack at 1024, the heap above it, the host's data in the heap. */
const host: ProgramKind<JsHostProgram> = (program, { provider }) => {
  const parts = laidOut(program, NULL_GUARD, 0, program.shared === true);
  const definitions = program.data === undefined ? [] : hostData(parts.allocator, parts.memory, provider, program.data);
  return { ...parts, definitions, main: null, usedTable: 0, legacyI64: true };
};

/** (2) A relocatable main: its data at `globalBase`, the stack above, the heap above that; loaded by the first load. */
const relocatable: ProgramKind<RelocatableMainProgram> = (program, { options }) => {
  const name = program.name ?? 'main';
  const source =
    program.module instanceof WebAssembly.Module ? program.module : (program.module as Uint8Array<ArrayBuffer>);
  const meta = metaFromSource(source instanceof WebAssembly.Module ? { module: source } : { bytes: source }, name);
  const base = alignUp(program.globalBase ?? NULL_GUARD, Math.max(16, 2 ** meta.dylink.memoryAlign));
  const ownsHeap = meta.imports.some((i) => i.role === 'got-special' && i.name === '__heap_base');
  if (ownsHeap && options.memoryStrategy === 'linker-heap') {
    throw new DlError(
      'DL_INCOMPATIBLE',
      'the main\'s own allocator starts at __heap_base, where a linker heap would be; use memoryStrategy "auto" or "host"',
      { library: name },
    );
  }
  const declared = meta.imports.find((i) => i.role === 'memory');
  const parts = laidOut(
    program,
    base + meta.dylink.memorySize,
    declared?.minimum ?? 0,
    program.shared === true || declared?.shared === true,
  );
  const main: MainRequest = {
    found: {
      name,
      key: program.location ?? name,
      location: program.location ?? null,
      neededBy: null,
      chain: [],
      meta,
      source,
      bytes: undefined,
      isMain: true,
      needed: [],
    },
    memoryBase: base,
    extras: [],
    strategy: options.memoryStrategy,
  };
  return { ...parts, definitions: [], main, usedTable: 0, legacyI64: false };
};

/** (3) An attached main: its memory, table, stack pointer and exports; its allocator, or a linker heap. */
const attached: ProgramKind<AttachedMainProgram> = (program, { options, provider, alignedAlloc }) => {
  const ex = program.exports;
  const memory = program.memory ?? (ex.memory as WebAssembly.Memory);
  const table = program.table ?? (ex.__indirect_function_table as WebAssembly.Table);
  const stackPointer = program.stackPointer ?? (ex.__stack_pointer as WebAssembly.Global);
  if (
    !(memory instanceof WebAssembly.Memory) ||
    !(table instanceof WebAssembly.Table) ||
    !(stackPointer instanceof WebAssembly.Global)
  ) {
    throw new DlError(
      'DL_INCOMPATIBLE',
      'an attached main must export (or be given) its memory, __indirect_function_table and __stack_pointer',
      { library: provider.name },
    );
  }
  const heap = program.allocator?.heap ?? heapOf(ex, alignedAlloc);
  let allocator: MemoryAllocator;
  if (heap !== null && options.memoryStrategy !== 'linker-heap')
    allocator = new HostAllocator(memory, {
      heap,
      ready: program.allocator?.ready,
      heapBase: program.allocator?.heapBase,
    });
  else if (program.heapStart !== undefined) allocator = new LinkerHeap(memory, { start: program.heapStart });
  else
    throw new DlError(
      'DL_INCOMPATIBLE',
      'the attached main exports no malloc/free; give heapStart for a linker-owned heap',
      { library: provider.name },
    );
  const exportsLike = Object.entries(ex).flatMap(([name, v]): ExportLike[] =>
    typeof v === 'function'
      ? [{ kind: 'function', name, type: null }]
      : v instanceof WebAssembly.Global
        ? [{ kind: 'global', name, type: null }]
        : [],
  );
  const definitions = definitionsOf(provider, exportsLike, ex, { memoryBase: 0, tlsBase: null, tlsExports: new Set() });
  return {
    memory,
    table,
    stackPointer,
    allocator,
    stack: { low: 0, high: 0 },
    definitions,
    main: null,
    usedTable: table.length,
    legacyI64: false,
  };
};

/** Sets up a program by its kind. */
export function setUpKind(program: Program, context: KindContext): ProgramParts {
  switch (program.kind) {
    case 'host':
      return host(program, context);
    case 'relocatable':
      return relocatable(program, context);
    case 'attached':
      return attached(program, context);
  }
}
