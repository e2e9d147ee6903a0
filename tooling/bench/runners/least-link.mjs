// The yardsticks `min-link` and `min-link-read` (runners of those names): the least JavaScript
// that links a generated set correctly, without and with @dl/reader's typed read of each module.
// Per module, in order: read, new WebAssembly.Module, its dylink.0 MEM_INFO (floor.mjs), engine
// reflection for its imports, every import bound by name (functions and data addresses from one
// map of what is loaded, GOT globals made or settled after the instance when the module defines
// the symbol itself, `&f` a table slot given once per function), new WebAssembly.Instance, its
// exports into the maps, then __wasm_apply_data_relocs and __wasm_call_ctors. The table grows by
// doubling. No checks, no scopes, no rollback, no events. Checksum = sum of bm<i>_check(), as for
// dl-sync.
import { readFileSync } from 'node:fs';
import { importDist, instrument, manifest, report } from './common.mjs';
import { memInfo } from './floor.mjs';

const PAGE = 65536;
const HOST_DATA = 7;

const got = (value) => new WebAssembly.Global({ value: 'i32', mutable: true }, value);

/** The program the set is linked into: one memory and table, and what is defined so far. */
class LeastProgram {
  memory = new WebAssembly.Memory({ initial: 16 });
  table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
  stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, PAGE);
  heap = PAGE + 1024;
  tableTop = 1;
  functions = new Map([['bench_host_add', (a, b) => a + b]]);
  data = new Map();
  slots = new Map();

  constructor() {
    this.data.set('bench_host_data', this.heap);
    new Int32Array(this.memory.buffer, this.heap, 1)[0] = HOST_DATA;
    this.heap += 16;
  }

  /** `n` table slots, the table grown by doubling when they do not fit. */
  reserve(n) {
    const base = this.tableTop;
    this.tableTop += n;
    if (this.tableTop > this.table.length)
      this.table.grow(Math.max(this.tableTop - this.table.length, this.table.length));
    return base;
  }

  /** The slot of `f` (`&f`), given on first use. */
  slotOf(f) {
    let slot = this.slots.get(f);
    if (slot === undefined) {
      slot = this.reserve(1);
      this.table.set(slot, f);
      this.slots.set(f, slot);
    }
    return slot;
  }

  /** The module's memory and table ranges (its MEM_INFO), the memory grown when it does not fit. */
  place(module) {
    const { memorySize, memoryAlign, tableSize } = memInfo(module);
    const align = Math.max(16, 2 ** memoryAlign);
    const memoryBase = Math.ceil(this.heap / align) * align;
    this.heap = memoryBase + memorySize;
    const { byteLength } = this.memory.buffer;
    if (this.heap > byteLength) this.memory.grow(Math.ceil((this.heap - byteLength) / PAGE));
    return { memoryBase, tableBase: this.reserve(tableSize) };
  }

  /** The module's import object, and what to settle once it is instantiated (symbols it defines itself). */
  imports(module, { memoryBase, tableBase }) {
    const env = {};
    const gotMem = {};
    const gotFunc = {};
    const later = [];
    for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
      if (from === 'GOT.mem') {
        const address = this.data.get(name);
        gotMem[name] = got(address ?? 0);
        if (address === undefined) later.push(() => (gotMem[name].value = this.data.get(name)));
      } else if (from === 'GOT.func') {
        const f = this.functions.get(name);
        gotFunc[name] = got(f === undefined ? 0 : this.slotOf(f));
        if (f === undefined) later.push(() => (gotFunc[name].value = this.slotOf(this.functions.get(name))));
      } else if (kind === 'function') env[name] = this.functions.get(name);
      else if (kind === 'memory') env[name] = this.memory;
      else if (kind === 'table') env[name] = this.table;
      else if (name === '__memory_base') env[name] = memoryBase;
      else if (name === '__table_base') env[name] = tableBase;
      else env[name] = this.stackPointer;
    }
    return { imports: { env, 'GOT.mem': gotMem, 'GOT.func': gotFunc }, later };
  }

  /** Places, binds and instantiates one compiled module, then relocates it and runs its constructors. */
  link(module) {
    const placed = this.place(module);
    const { imports, later } = this.imports(module, placed);
    const { exports } = new WebAssembly.Instance(module, imports);
    for (const name in exports) {
      const value = exports[name];
      if (typeof value === 'function') this.functions.set(name, value);
      else if (value instanceof WebAssembly.Global) this.data.set(name, value.value + placed.memoryBase);
    }
    for (const settle of later) settle();
    exports.__wasm_apply_data_relocs?.();
    exports.__wasm_call_ctors?.();
  }
}

/** What @dl's linker keeps of a library's typed read (the bulk of its `LibraryMeta`). */
function typedMeta({ readModule, classifyModuleImports }, bytes, name) {
  const info = readModule(bytes, { name });
  const imports = classifyModuleImports(info.imports, info.dylink.weakImports);
  return { dylink: info.dylink, imports, exports: info.exports };
}

/**
 * Links the manifest's set, checks it and prints the runner's line. `read`: each module is also
 * read with @dl/reader (`readModule`, then `classifyModuleImports`) before it compiles, and what
 * @dl's linker keeps of the read is kept until the end, one entry per library.
 */
export async function leastLink({ read }) {
  const reader = read ? await importDist('reader') : null;
  const kept = [];
  const m = manifest();
  const timing = instrument();
  const t0 = performance.now();
  const program = new LeastProgram();
  for (const { path } of m.modules) {
    const bytes = readFileSync(path);
    if (reader !== null) kept.push(typedMeta(reader, bytes, path));
    program.link(new WebAssembly.Module(bytes));
  }
  const totalMs = performance.now() - t0;
  let checksum = 0;
  for (const { symbol } of m.modules) checksum += program.functions.get(symbol)();
  report(m, { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs }, checksum);
  return kept.length;
}
