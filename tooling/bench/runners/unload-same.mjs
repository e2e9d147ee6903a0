// open-close-same: one real library, @dl/fixtures' libunload.so (a constructor, three
// destructors under its own __dso_handle, the dl_before_unload hook, data starting at 7, a
// table range), opened and closed N times in one program: linker.dlopenSync({ name, bytes },
// RTLD_NOW | RTLD_GLOBAL), checked, linker.dlclose(handle). Every cycle must show fresh data
// and a constructor run once (unload_ctor_runs() = 1, unload_bump() = 8), and the close must
// run the hook and the destructors (host_note 950, 901, 902, 903). Growth from after the first cycle.
import { readFileSync } from 'node:fs';
import { fail } from './common.mjs';
import { growth, OpTimes, print, setup, snapshot } from './unload-common.mjs';

const notes = [];
const { dl, m, linker } = await setup({ host_note: { func: (x) => void notes.push(x), type: '(i32) -> ()' } });
const bytes = readFileSync(m.library);
const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;
const times = new OpTimes(m.n);
const call = (handle, name) => {
  const s = linker.dlsym(handle, name);
  if (s.kind !== 'function') fail(`${name} is not a function`);
  return s.func();
};
const expectNotes = (when, want) => {
  const got = notes.splice(0).sort((a, b) => a - b);
  if (got.join() !== want.join()) fail(`${when}: host_note got [${got}], expected [${want}]`);
};
const cycle = (i) => {
  const handle = times.time('load', () => linker.dlopenSync({ name: 'libunload.so', bytes }, flags));
  expectNotes(`open ${i}`, [100]);
  const runs = call(handle, 'unload_ctor_runs');
  const bumped = call(handle, 'unload_bump');
  if (runs !== 1 || bumped !== 8)
    fail(`open ${i}: constructor runs ${runs} (want 1), unload_bump() ${bumped} (want 8)`);
  times.time('unload', () => linker.dlclose(handle));
  expectNotes(`close ${i}`, [901, 902, 903, 950]);
};
const t0 = performance.now();
cycle(1);
const s0 = performance.now();
const first = snapshot(linker);
const paused = performance.now() - s0;
for (let i = 2; i <= m.n; i++) cycle(i);
const totalMs = performance.now() - t0 - paused;
print({ totalMs, cycles: m.n, checked: m.n, ...growth(first, snapshot(linker), m.n - 1), ...times.summary() });
