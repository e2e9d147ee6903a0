// The worker of the threads suite (runners/threads.mjs). workerData.mode:
//   follow  times followLinker(image)
//   floor   times the same compiled modules instantiated with the same imports, made before the
//           clock (memory, this thread's table and stack pointer, every GOT and base global, the
//           host function): in the loop only each provider's export is fetched, `new
//           WebAssembly.Instance` runs, `__wasm_init_tls(block)` sets up the thread's TLS block,
//           then the image's extra table slots are set — the engine's part of following, no linker
//   serve   serveFollower(parentPort): follows through a ThreadGroup, answers {bench: 'check'}
//           with the median wall time this thread took to apply an update (applyMs; thread CPU
//           time is too coarse for it: the scheduler updates it at its ticks); and for the
//           `ideal-4` runner (workerData.keepLast: each update also decoded for it, after its
//           acknowledgement), {bench: 'ideal-prep', sab}: the engine's part of taking the last
//           update it took, made ready (idealPrep), run when the leader says go
//           (workerData.ackOnly, the `ack-4` runner: each update is acknowledged at once and
//           taken only when the thread is asked to check — the least any follower can do)
// follow and floor answer {bench, ms, cpuMs, checksum, tlsFresh}; both check what they built.
// cpuMs: this thread's CPU time over the same span (Linux /proc/thread-self/schedstat; absent
// elsewhere): unlike the wall clock, it does not count the time other processes hold the cores.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { importDist } from './common.mjs';
import { median } from './threads-common.mjs';

/** This thread's CPU time in ms (scheduler statistics), or null where there are none. */
function threadCpu() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

/** `{ cpuMs }` since `c0`, or nothing when the platform has no thread CPU time. */
const cpuSince = (c0) => (c0 === null ? {} : { cpuMs: threadCpu() - c0 });

// What a worker needs of the linker: its `follow` entry (followLinker, serveFollower), not the whole linker.
const dl = await importDist('linker', 'follow');
const host = { bench_host_add: (a, b) => a + b };

/** Sum of bm<i>_check() and whether every thread-local starts at its .tdata value. */
function check(find, modules) {
  let checksum = 0;
  let tlsFresh = true;
  for (const [i, { symbol, tls }] of modules.entries()) {
    checksum += find(symbol)();
    if (find(`bm${i}_tls`)(1) !== tls + 1) tlsFresh = false;
  }
  return { checksum, tlsFresh };
}

/** The imports of each library, made before the clock; `fills` are the provider exports fetched in the loop. */
function plan(image, table, stackPointer) {
  const dummy = () => 0;
  return image.libraries.map((lib) => {
    const imports = {};
    const fills = [];
    for (const spec of lib.imports) {
      const into = (imports[spec.module] ??= {});
      switch (spec.how) {
        case 'memory':
          into[spec.name] = image.memory;
          break;
        case 'table':
          into[spec.name] = table;
          break;
        case 'stack-pointer':
          into[spec.name] = stackPointer;
          break;
        case 'const':
          into[spec.name] = new WebAssembly.Global({ value: 'i32', mutable: spec.mutable }, spec.value);
          break;
        case 'got':
          into[spec.name] = new WebAssembly.Global({ value: 'i32', mutable: true }, spec.value);
          break;
        case 'tls': {
          const block = image.libraries.find((l) => l.id === spec.library)?.tlsBlock ?? 0;
          into[spec.name] = new WebAssembly.Global({ value: 'i32', mutable: true }, block + spec.offset);
          break;
        }
        case 'export':
          fills.push([into, spec.name, spec.library, spec.export]);
          break;
        case 'host':
          into[spec.name] = host[spec.symbol] ?? dummy;
          break;
        default:
          into[spec.name] = dummy;
      }
    }
    return { imports, fills };
  });
}

function floor(image) {
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: image.tableLength });
  const stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, image.stack.high);
  const made = performance.now();
  const plans = plan(image, table, stackPointer);
  // What making the imports costs (outside the floor's clock; the follower pays it inside).
  const importsMs = performance.now() - made;
  const instances = new Map();
  const c0 = threadCpu();
  const t0 = performance.now();
  for (let k = 0; k < image.libraries.length; k++) {
    const lib = image.libraries[k];
    const { imports, fills } = plans[k];
    for (const [into, name, id, exp] of fills) into[name] = instances.get(id).exports[exp];
    const instance = new WebAssembly.Instance(lib.module, imports);
    if (lib.tlsInit?.kind === 'wasm') instance.exports.__wasm_init_tls(lib.tlsBlock);
    instances.set(lib.id, instance);
  }
  for (const s of image.slots) table.set(s.index, instances.get(s.library).exports[s.name]);
  const ms = performance.now() - t0;
  const cpu = cpuSince(c0);
  const all = [...instances.values()];
  const find = (name) => all.find((i) => Object.hasOwn(i.exports, name))?.exports[name];
  return { ms, ...cpu, importsMs, ...check(find, workerData.modules) };
}

function follow(image) {
  const c0 = threadCpu();
  const t0 = performance.now();
  // follow: eager, as the floor instantiates every library; follow-lazy: the default (each on first use).
  const follower = dl.followLinker(image, { host, ...(workerData.mode === 'follow' ? { instantiate: 'eager' } : {}) });
  const ms = performance.now() - t0;
  const cpu = cpuSince(c0);
  return { ms, ...cpu, ...check((name) => follower.find(name), workerData.modules) };
}

/**
 * The `ideal-4` runner's follower (runners/threads.mjs): the least an eager follower can do for a
 * new library, made ready in advance — the last update's library (the set's libraries are all
 * alike) with its imports made now (plan(), as the floor makes them; each provider's export by
 * name; a scratch copy of this thread's table, so that its element segment writes nothing this
 * thread uses). Then, blocked in Atomics.wait (no event loop to wake), it waits for the leader's
 * go (sab[0]), runs only `new WebAssembly.Instance` and counts itself done (sab[2]); sab[1]
 * counts the threads ready.
 */
function idealPrep(follower, sab) {
  const i32 = new Int32Array(sab);
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: follower.table.length });
  for (let i = 0; i < table.length; i++) table.set(i, follower.table.get(i));
  const [{ imports, fills }] = plan(lastUpdate, table, follower.stackPointer);
  for (const [into, name, , exp] of fills) into[name] = follower.find(exp);
  const { module } = lastUpdate.libraries[0];
  Atomics.add(i32, 1, 1);
  Atomics.notify(i32, 1);
  while (Atomics.load(i32, 0) === 0) Atomics.wait(i32, 0, 0);
  new WebAssembly.Instance(module, imports);
  Atomics.add(i32, 2, 1);
  Atomics.notify(i32, 2);
}

/** The last update this thread took (serve mode): what `idealPrep` instantiates. */
let lastUpdate = null;
/** The shared memory, from this thread's first image (updates do not carry it). */
let firstMemory;

const { mode } = workerData;
if (mode === 'serve') {
  // The port serveFollower listens on: parentPort, with each update's handling timed.
  // And each update's moments on the clock every thread shares (timeOrigin + now, ms): received,
  // acknowledged (the part that may fail is done), done (its extra slots set).
  const applied = [];
  const marks = [];
  const clock = () => performance.timeOrigin + performance.now();
  // ackOnly: the updates acknowledged at once, each taken (its own ack not posted again) at the check.
  const deferred = [];
  const acked = new Set();
  const port = {
    postMessage: (m) => {
      if (m?.dl === 'ack' && acked.has(m.seq)) return;
      if (m?.dl === 'ack' && marks.at(-1)?.seq === m.seq) marks.at(-1).acked = clock();
      parentPort.postMessage(m);
    },
    on: (type, listener) =>
      parentPort.on(type, (data) => {
        if (data?.dl === 'follow') firstMemory = data.wire.memory;
        if (data?.dl !== 'update') return listener(data);
        if (workerData.ackOnly === true) {
          acked.add(data.seq);
          parentPort.postMessage({ dl: 'ack', seq: data.seq });
          deferred.push(() => listener(data));
          return;
        }
        const mark = { seq: data.seq, received: clock() };
        marks.push(mark);
        const t0 = performance.now();
        listener(data);
        applied.push(performance.now() - t0);
        mark.done = clock();
        // Only ideal-4's preparation reads the last update; decoding it here, after the update
        // was applied and acknowledged, keeps the harness's own work off the other runners' clock.
        if (workerData.keepLast === true && data.wire.modules.length > 0)
          lastUpdate = dl.decodeImage(data.wire, firstMemory);
      }),
  };
  const served = dl.serveFollower(port, { host });
  parentPort.on('message', (msg) => {
    if (msg?.bench === 'ideal-prep')
      void served
        .then((s) => idealPrep(s.follower, msg.sab))
        .catch((e) => {
          // The leader is blocked waiting for this thread: it reads the failure from sab[3].
          Atomics.store(new Int32Array(msg.sab), 3, 1);
          Atomics.notify(new Int32Array(msg.sab), 1);
          throw e;
        });
    if (msg?.bench !== 'check') return;
    void served.then((s) => {
      for (const take of deferred.splice(0)) take();
      parentPort.postMessage({
        bench: 'check',
        ...check((name) => s.follower.find(name), msg.modules),
        applyMs: median(applied),
        marks,
      });
    });
  });
} else {
  try {
    parentPort.postMessage({ bench: mode, ...(mode === 'floor' ? floor(workerData.image) : follow(workerData.image)) });
  } catch (e) {
    parentPort.postMessage({ bench: mode, error: e instanceof Error ? e.stack : String(e) });
  }
}
