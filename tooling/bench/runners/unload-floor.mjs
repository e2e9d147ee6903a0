// open-close-same, bare-sync: the engine's floor of opening and closing a library N times.
// Load = new WebAssembly.Module + Instance into one shared memory and table (floor.mjs:
// dummy imports, no linking, no constructors); unload = its table slots set to null and every
// reference dropped (floor.mjs reset()), the next load placed where it was. What the heap
// keeps here, the engine keeps: no linker can do better on this engine.
import { readFileSync } from 'node:fs';
import { fail, manifest } from './common.mjs';
import { floorProgram } from './floor.mjs';
import { growth, OpTimes, print } from './unload-common.mjs';

if (typeof globalThis.gc !== 'function') fail('run with node --expose-gc', 2);
const m = manifest();
const bytes = readFileSync(m.library);
const floor = floorProgram();
const times = new OpTimes(m.n);
const snapshot = () => {
  globalThis.gc();
  globalThis.gc();
  const { length } = floor.table;
  return {
    reserved: 0,
    top: 0,
    buffer: 0,
    table: length,
    slots: 0,
    libraries: 0,
    heap: process.memoryUsage().heapUsed,
  };
};
const cycle = () => {
  let instance = times.time('load', () => floor.instantiate(new WebAssembly.Module(bytes)));
  if (!(instance instanceof WebAssembly.Instance)) fail('no instance');
  times.time('unload', () => {
    floor.reset();
    instance = null;
  });
};
const t0 = performance.now();
cycle();
const s0 = performance.now();
const first = snapshot();
const paused = performance.now() - s0;
for (let i = 2; i <= m.n; i++) cycle();
const totalMs = performance.now() - t0 - paused;
print({ totalMs, cycles: m.n, ...growth(first, snapshot(), m.n - 1), ...times.summary() });
