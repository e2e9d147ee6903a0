// The threads suite's runner (issue 13): one fresh plain-node process per measurement,
//   node runners/threads.mjs MANIFEST MODE
// The leading thread links set N (gen-threads.mjs: shared memory, a thread-local per module)
// with the built @dl/linker and the bm host program (shared: true), then:
//   follow    a worker (threads-worker.mjs) gets linker.threadImage() and times followLinker(image)
//             with instantiate: 'eager' (follow-lazy: the default, each library on first use)
//   floor     a worker gets the same image and times the engine's floor: the same compiled
//             modules instantiated with the same imports, made before the clock (no linker)
//   dlopen-4  4 workers follow through a ThreadGroup; the last `dlopens` modules are opened one
//             at a time, each timed from dlopenSync to its group.sync() acknowledged by all 4
//   dlopen-2  the same with 2 workers (the machine's cores: how the ratio depends on them)
//   dlopen-1  the same dlopens with no thread following: dlopenSync alone (also reports
//             compiledMs: the median time into dlopenSync at which its library is compiled,
//             the earliest an eager follower could start on it)
//   ideal-4   4 workers follow as for dlopen-4, but each dlopen is timed against idealised
//             followers (threads-worker.mjs idealPrep): each has the engine's part of taking a
//             library just like it ready in advance and starts it when dlopenSync starts
//             (earlier than any real follower can: the library is not compiled yet), woken
//             and counted through shared memory; then the real update is synced, untimed
//   ack-4     dlopen-4 with followers that acknowledge each update at once and take it only
//             when asked to check, at the end: the least any follower can do (messages only)
// Every worker checks what it got (sum of bm<i>_check() = the set's checksum, each thread-local
// starting fresh); prints one JSON line {"totalMs", "checksum", ...}: for the dlopen modes
// totalMs is the median of the process's dlopens, instantiateMs the median time the leader's
// dlopenSync spent in `new WebAssembly.Instance` (timing.mjs instrument()), applyMs the median
// time a worker took to apply an update (median over the workers' medians).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fail, importDist, instrument, manifest } from './common.mjs';
import { hostProgram } from './hosts.mjs';
import { median, answer } from './threads-common.mjs';

const WORKER = new URL('./threads-worker.mjs', import.meta.url);
const mode = process.argv[3];
const modes = ['follow', 'follow-lazy', 'floor', 'dlopen-4', 'dlopen-2', 'dlopen-1', 'ideal-4', 'ack-4'];
if (!modes.includes(mode)) fail(`usage: node runners/threads.mjs MANIFEST ${modes.join('|')}`, 2);
const timing = instrument();
const dl = { ...(await importDist('linker')), ...(await importDist('linker', 'threads')) };
const m = manifest();
const files = m.modules.map(({ path, name }) => ({ name, bytes: readFileSync(path) }));
let linker;
const program = { ...hostProgram('bm', () => linker), shared: true };
/** The phases of the last load (its 'done' event). */
let phases = {};
linker = dl.createLinkerSync({ program, onEvent: (e) => e.type === 'done' && (phases = e.phases) });
const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;

/** A fresh worker following (or flooring) the whole set once. */
async function startThread() {
  for (const file of files) linker.dlopenSync(file, flags);
  const t0 = performance.now();
  const { image, resources } = linker.threadImage({ stackSize: 65536 });
  const imageMs = performance.now() - t0;
  // One more thread's image (after the clock of this one): what every later thread costs the leader.
  const t1 = performance.now();
  const next = linker.threadImage({ stackSize: 65536 });
  const nextImageMs = performance.now() - t1;
  linker.releaseThread(next.resources);
  const worker = new Worker(WORKER, { workerData: { mode, image, modules: m.modules } });
  const r = await answer(worker);
  await worker.terminate();
  linker.releaseThread(resources);
  return {
    totalMs: r.ms,
    checksum: r.checksum,
    imageMs,
    nextImageMs,
    tlsFresh: r.tlsFresh,
    ...(r.cpuMs === undefined ? {} : { cpuMs: r.cpuMs }),
    ...(r.importsMs === undefined ? {} : { importsMs: r.importsMs }),
  };
}

/** The last `dlopens` modules opened one at a time, with 4 threads following or none. */
async function dlopens() {
  const k = m.dlopens;
  for (const file of files.slice(0, files.length - k)) linker.dlopenSync(file, flags);
  const threads = mode === 'dlopen-2' ? 2 : mode === 'dlopen-1' ? 0 : 4;
  const group = new dl.ThreadGroup(linker, { stackSize: 65536 });
  const workerData = { mode: 'serve', ackOnly: mode === 'ack-4', keepLast: mode === 'ideal-4' };
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData }));
  await Promise.all(workers.map((w) => group.add(w)));
  const times = [];
  const instantiated = [];
  const compiled = [];
  const ideal = mode === 'ideal-4' ? idealFollowers(workers) : null;
  for (const [i, file] of files.slice(files.length - k).entries()) {
    const i0 = timing.instantiateMs;
    // The ideal's followers take the last update's library: the first dlopen only makes one.
    const go = ideal !== null && i > 0 ? ideal.ready() : null;
    const t0 = performance.now();
    go?.start();
    linker.dlopenSync(file, flags);
    instantiated.push(timing.instantiateMs - i0);
    compiled.push(phases.resolve + phases.check + phases.compile);
    go?.done();
    const ms = performance.now() - t0;
    if (threads > 0) await group.sync();
    if (go !== null) times.push(ms);
    else if (ideal === null) times.push(performance.now() - t0);
  }
  // Every thread (the leading one included) must see the whole set.
  const modules = m.modules;
  let checksum = 0;
  for (const { symbol } of modules) checksum += linker.dlsym(null, symbol).func();
  const applies = [];
  for (const w of workers) {
    const check = answer(w);
    w.postMessage({ bench: 'check', modules });
    const r = await check;
    if (r.checksum !== checksum) fail(`a following thread's checksum is ${r.checksum}, the leader's ${checksum}`);
    if (!r.tlsFresh) fail('a following thread does not start with fresh thread-locals');
    applies.push(r.applyMs);
    group.remove(w);
    await w.terminate();
  }
  return {
    totalMs: median(times),
    checksum,
    firstMs: times[0],
    maxMs: Math.max(...times),
    instantiateMs: median(instantiated),
    compiledMs: median(compiled),
    ...(mode === 'dlopen-2' || mode === 'dlopen-4' ? { applyMs: median(applies) } : {}),
  };
}

/**
 * The ideal-4 runner's followers (threads-worker.mjs idealPrep): `ready()` has each make ready
 * the engine's part of its next library, and returns its `start()` (the go) and `done()`, which
 * waits (blocking, as Atomics.wait allows a node main thread) until all have run it.
 */
function idealFollowers(workers) {
  const sab = new SharedArrayBuffer(16);
  const i32 = new Int32Array(sab);
  const waitFor = (slot) => {
    const until = performance.now() + 30_000;
    for (let n = Atomics.load(i32, slot); n < workers.length; n = Atomics.load(i32, slot)) {
      if (Atomics.load(i32, 3) !== 0) fail('ideal-4: a follower could not make its library ready');
      if (performance.now() > until) fail('ideal-4: the followers did not answer in 30 s');
      Atomics.wait(i32, slot, n, 100);
    }
  };
  return {
    ready() {
      i32.fill(0);
      for (const w of workers) w.postMessage({ bench: 'ideal-prep', sab });
      waitFor(1);
      return {
        start() {
          Atomics.store(i32, 0, 1);
          Atomics.notify(i32, 0);
        },
        done: () => waitFor(2),
      };
    },
  };
}

const result = mode.startsWith('follow') || mode === 'floor' ? await startThread() : await dlopens();
if (result.checksum !== m.expected) fail(`${mode}: checksum ${result.checksum}, expected ${m.expected}`);
if (result.tlsFresh === false) fail(`${mode}: the worker's thread-locals do not start fresh`);
console.log(JSON.stringify(result));
