// open-close-distinct (dl-batch): batches of `m.batch` distinct standalone libraries, each batch
// loaded at once (await linker.load(all, RTLD_NOW | RTLD_GLOBAL): parallel compile, one link
// pass), checked, then every library closed. Growth from after the first batch; "per cycle"
// is per library (one library opened and closed). Load/unload times are per batch.
import { readFileSync } from 'node:fs';
import { growth, OpTimes, print, setup, snapshot, verify } from './unload-common.mjs';

const { dl, m, linker } = await setup();
const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;
const times = new OpTimes(m.modules.length);
const batches = [];
for (let i = 0; i < m.modules.length; i += m.batch) batches.push(m.modules.slice(i, i + m.batch));
let first = null;
let paused = 0;
const t0 = performance.now();
for (const batch of batches) {
  const sources = batch.map((mod) => ({ name: mod.name, bytes: readFileSync(mod.path) }));
  const handles = await times.timeAsync('load', () => linker.load(sources, flags));
  batch.forEach((mod, i) => verify(linker, handles[i], mod));
  times.time('unload', () => {
    for (const h of handles) linker.dlclose(h);
  });
  if (first === null) {
    const s = performance.now();
    first = snapshot(linker);
    paused = performance.now() - s;
  }
}
const totalMs = performance.now() - t0 - paused;
const n = m.modules.length;
print({
  totalMs,
  cycles: n,
  batches: batches.length,
  checked: n,
  ...growth(first, snapshot(linker), n - batches[0].length),
  ...times.summary(),
});
