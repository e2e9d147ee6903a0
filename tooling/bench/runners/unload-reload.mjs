// reload: @dl/fixtures' libreload.so (build 1: reload_value() = 1, reload_state 100) opened
// { binding: 'now', scope: 'global', reloadable: true }, then libreload_caller.so (NEEDED
// libreload.so: the same library), which stores &reload_value in its data. Then N times:
// linker.reloadSync(handle, the other build's bytes) — libreload_v2.so (2, 200), then build 1
// again, ... — and the caller calls reload_value through its stored pointer and directly (an
// import bound through the PLT), and reload_read_state() shows the new build's fresh data:
// three verified calls per reload. Growth from after the first reload; load times are the two
// opens, the "unload" times the reloads (each loads the new build and unloads the old one).
import { readFileSync } from 'node:fs';
import { fail } from './common.mjs';
import { growth, OpTimes, print, setup, snapshot } from './unload-common.mjs';

const { dl, m, linker } = await setup();
const builds = m.builds.map((path) => readFileSync(path));
const times = new OpTimes(m.n + 2);
const handle = times.time('load', () =>
  linker.dlopenSync({ name: 'libreload.so', bytes: builds[0] }, { binding: 'now', scope: 'global', reloadable: true }),
);
const caller = times.time('load', () =>
  linker.dlopenSync({ name: 'libreload_caller.so', bytes: readFileSync(m.caller) }, dl.RTLD.NOW | dl.RTLD.GLOBAL),
);
const fn = (h, name) => {
  const s = linker.dlsym(h, name);
  if (s.kind !== 'function') fail(`${name} is not a function`);
  return s.func;
};
const callStored = fn(caller, 'caller_stored');
const callDirect = fn(caller, 'caller_direct');
let verified = 0;
const check = (i, version) => {
  const got = [callStored(), callDirect(), fn(handle, 'reload_read_state')()];
  const want = [version, version, version * 100];
  if (got.join() !== want.join())
    fail(`after reload ${i}: stored pointer, direct call, state = ${got.join(', ')}; expected ${want.join(', ')}`);
  verified += 3;
};
check(0, 1);
let first = null;
let paused = 0;
const t0 = performance.now();
for (let i = 1; i <= m.n; i++) {
  const k = i % builds.length;
  const h = times.time('unload', () => linker.reloadSync(handle, { name: 'libreload.so', bytes: builds[k] }));
  if (h !== handle) fail('reloadSync returned another handle object');
  check(i, k + 1);
  if (first === null) {
    const s = performance.now();
    first = snapshot(linker);
    paused = performance.now() - s;
  }
}
const totalMs = performance.now() - t0 - paused;
const s = times.summary();
print({
  totalMs,
  cycles: m.n,
  callsVerified: verified,
  ...growth(first, snapshot(linker), m.n - 1),
  openMedianMs: s.loadMedianMs,
  reloadMedianMs: s.unloadMedianMs,
  reloadTotalMs: s.unloadTotalMs,
});
