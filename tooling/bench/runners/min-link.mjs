// min-link: the least JavaScript that links a generated set correctly — a yardstick, not a
// linker. Per module, in order: read, new WebAssembly.Module, its dylink.0 MEM_INFO (floor.mjs),
// engine reflection for its imports, every import bound by name (functions and data addresses
// from one map of what is loaded, GOT globals made or settled after the instance when the module
// defines the symbol itself, `&f` a table slot given once per function), new
// WebAssembly.Instance, its exports into the maps, then __wasm_apply_data_relocs and
// __wasm_call_ctors. The table grows by doubling. No checks, no scopes, no rollback, no events:
// the gap between `dl-sync` and this runner is @dl's own work, the gap between this runner and
// the floor what any linker must add. Checksum = sum of bm<i>_check(), as for dl-sync.
import { readFileSync } from 'node:fs';
import { instrument, manifest, report } from './common.mjs';
import { memInfo } from './floor.mjs';

const PAGE = 65536;
const HOST_DATA = 7;

const m = manifest();
const timing = instrument();
const t0 = performance.now();
const memory = new WebAssembly.Memory({ initial: 16 });
const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
const stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, PAGE);
let heap = PAGE + 1024;
const functions = new Map([['bench_host_add', (a, b) => a + b]]);
const data = new Map([['bench_host_data', heap]]);
new Int32Array(memory.buffer, heap, 1)[0] = HOST_DATA;
heap += 16;
let tableTop = 1;
const slots = new Map();

/** `n` table slots, the table grown by doubling when they do not fit. */
function reserve(n) {
  const base = tableTop;
  tableTop += n;
  if (tableTop > table.length) table.grow(Math.max(tableTop - table.length, table.length));
  return base;
}

/** The slot of `f` (`&f`), given on first use. */
function slotOf(f) {
  let slot = slots.get(f);
  if (slot === undefined) {
    slot = reserve(1);
    table.set(slot, f);
    slots.set(f, slot);
  }
  return slot;
}

const got = (value) => new WebAssembly.Global({ value: 'i32', mutable: true }, value);

for (const { path } of m.modules) {
  const module = new WebAssembly.Module(readFileSync(path));
  const { memorySize, memoryAlign, tableSize } = memInfo(module);
  const align = Math.max(16, 2 ** memoryAlign);
  const memoryBase = Math.ceil(heap / align) * align;
  heap = memoryBase + memorySize;
  if (heap > memory.buffer.byteLength) memory.grow(Math.ceil((heap - memory.buffer.byteLength) / PAGE));
  const tableBase = reserve(tableSize);
  const env = {};
  const gotMem = {};
  const gotFunc = {};
  const later = [];
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (from === 'GOT.mem') {
      const address = data.get(name);
      gotMem[name] = got(address ?? 0);
      if (address === undefined) later.push(() => (gotMem[name].value = data.get(name)));
    } else if (from === 'GOT.func') {
      const f = functions.get(name);
      gotFunc[name] = got(f === undefined ? 0 : slotOf(f));
      if (f === undefined) later.push(() => (gotFunc[name].value = slotOf(functions.get(name))));
    } else if (kind === 'function') env[name] = functions.get(name);
    else if (kind === 'memory') env[name] = memory;
    else if (kind === 'table') env[name] = table;
    else if (name === '__memory_base') env[name] = memoryBase;
    else if (name === '__table_base') env[name] = tableBase;
    else env[name] = stackPointer;
  }
  const { exports } = new WebAssembly.Instance(module, { env, 'GOT.mem': gotMem, 'GOT.func': gotFunc });
  for (const name in exports) {
    const value = exports[name];
    if (typeof value === 'function') functions.set(name, value);
    else if (value instanceof WebAssembly.Global) data.set(name, value.value + memoryBase);
  }
  for (const settle of later) settle();
  exports.__wasm_apply_data_relocs?.();
  exports.__wasm_call_ctors?.();
}
const totalMs = performance.now() - t0;
let checksum = 0;
for (const { symbol } of m.modules) checksum += functions.get(symbol)();
report(m, { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs }, checksum);
