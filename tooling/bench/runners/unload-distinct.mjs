// open-close-distinct (dl-sync): N distinct standalone libraries, each opened
// (linker.dlopenSync({ name, bytes }, RTLD_NOW | RTLD_GLOBAL)), checked and closed once, in
// order. The file reads are outside the timed operations. Growth from after the first cycle.
import { readFileSync } from 'node:fs';
import { growth, OpTimes, print, setup, snapshot, verify } from './unload-common.mjs';

const { dl, m, linker } = await setup();
const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;
const times = new OpTimes(m.modules.length);
let first = null;
let paused = 0;
const t0 = performance.now();
for (const mod of m.modules) {
  const bytes = readFileSync(mod.path);
  const handle = times.time('load', () => linker.dlopenSync({ name: mod.name, bytes }, flags));
  verify(linker, handle, mod);
  times.time('unload', () => linker.dlclose(handle));
  if (first === null) {
    const s = performance.now();
    first = snapshot(linker);
    paused = performance.now() - s;
  }
}
const totalMs = performance.now() - t0 - paused;
const n = m.modules.length;
print({ totalMs, cycles: n, checked: n, ...growth(first, snapshot(linker), n - 1), ...times.summary() });
