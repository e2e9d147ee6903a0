// Shared by the unload suite's runners (runners/unload-*.mjs): each is one fresh
// `node --expose-gc` process that builds a @dl/linker program (the built packages, the bm host
// program), runs its case, and prints one JSON line (see src/unload.ts for the fields):
// {"totalMs", "cycles", "memoryGrowthBytes", "tableGrowthSlots", "heapGrowthBytesPerCycle", ...}.
// The manifest (written by src/unload.ts) is {"case", "n", "modules": [{"path", "name",
// "symbol", "check"}], "batch"?, "builds"?, "caller"?}.
import { fail, importDist, manifest } from './common.mjs';
import { hostProgram } from './hosts.mjs';

/**
 * The built @dl/linker, the manifest, and a sync linker with the bm host program, plus
 * `functions` (more host functions, e.g. libunload.so's host_note).
 */
export async function setup(functions = {}) {
  if (typeof globalThis.gc !== 'function')
    fail('run with node --expose-gc (the heap is measured after a forced GC)', 2);
  const dl = await importDist('linker');
  const m = manifest();
  let linker;
  const program = hostProgram('bm', () => linker);
  linker = dl.createLinkerSync({ program: { ...program, functions: { ...program.functions, ...functions } } });
  return { dl, m, linker };
}

/** The JS heap in use after a full forced GC (twice: the first one runs finalizers). */
function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/**
 * What the program holds now: bytes reserved in linear memory (every live reservation of
 * `graph()`) and the top of the highest one, the memory's size, the table's length, the
 * libraries resident, and the JS heap after a forced GC.
 */
export function snapshot(linker) {
  const g = linker.graph();
  let reserved = 0;
  let top = 0;
  for (const r of g.memory.reservations) {
    reserved += r.size;
    top = Math.max(top, r.address + r.size);
  }
  let slots = 0;
  for (const r of g.table.ranges) slots += r.size;
  return {
    reserved,
    top,
    buffer: linker.memory.buffer.byteLength,
    table: linker.table.length,
    slots,
    libraries: g.libraries.length,
    heap: heapUsed(),
  };
}

/** Growth between two snapshots; `cycles` = the cycles run between them (heap growth per cycle). */
export function growth(first, last, cycles) {
  return {
    memoryGrowthBytes: last.reserved - first.reserved,
    memoryTopGrowthBytes: last.top - first.top,
    memoryPagesGrowthBytes: last.buffer - first.buffer,
    tableGrowthSlots: last.table - first.table,
    tableRangeGrowthSlots: last.slots - first.slots,
    heapGrowthBytesPerCycle: cycles > 0 ? Math.round((last.heap - first.heap) / cycles) : null,
    residentLibraries: last.libraries,
  };
}

/** A list of times in a preallocated array: recording adds nothing to the JS heap being measured. */
class Times {
  constructor(capacity) {
    this.values = new Float64Array(capacity);
    this.length = 0;
  }
  push(ms) {
    this.values[this.length++] = ms;
  }
  list() {
    return Array.from(this.values.subarray(0, this.length));
  }
}

/** Per-operation wall times (load and unload), in milliseconds; at most `capacity` of each. */
export class OpTimes {
  constructor(capacity) {
    this.load = new Times(capacity);
    this.unload = new Times(capacity);
  }
  /** Runs `fn`, records its time in `kind` ('load' or 'unload'), returns its result. */
  time(kind, fn) {
    const t0 = performance.now();
    const r = fn();
    this[kind].push(performance.now() - t0);
    return r;
  }
  async timeAsync(kind, fn) {
    const t0 = performance.now();
    const r = await fn();
    this[kind].push(performance.now() - t0);
    return r;
  }
  /** Medians, totals and the unload ÷ load ratio of the medians. */
  summary() {
    const med = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      const mid = s.length >> 1;
      return s.length === 0 ? null : s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    };
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    const loads = this.load.list();
    const unloads = this.unload.list();
    const load = med(loads);
    const unload = med(unloads);
    return {
      loadMedianMs: load,
      unloadMedianMs: unload,
      loadTotalMs: sum(loads),
      unloadTotalMs: sum(unloads),
      unloadToLoad: load === null || unload === null || load === 0 ? null : unload / load,
    };
  }
}

/** Calls module `mod`'s check function through the linker; throws unless it returns `mod.check`. */
export function verify(linker, handle, mod) {
  const s = linker.dlsym(handle, mod.symbol);
  if (s.kind !== 'function') fail(`${mod.symbol} is not a function`);
  const v = s.func();
  if (v !== mod.check) fail(`${mod.name}: ${mod.symbol}() = ${v}, expected ${mod.check}`);
}

/** Prints the runner's JSON line (numbers rounded to µs / whole bytes). */
export function print(result) {
  const out = {};
  for (const [k, v] of Object.entries(result))
    out[k] = typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v;
  console.log(JSON.stringify(out));
}
