// A probe of the leading thread's part of a ThreadGroup sync (issue 13): one process links set N
// (gen-threads.mjs) but the last `dlopens` modules, starts THREADS workers following through a
// ThreadGroup (threads-worker.mjs `serve`), then opens the last modules one at a time, each
// followed by group.sync(), and times each `linker.threadUpdates` call (the updates of every
// thread, made on the leader) and each whole sync. Every worker checks the whole set at the end.
//   node runners/threads-probe.mjs MANIFEST [THREADS=4]
// Prints one JSON line {"updateMs", "syncMs", "updates": [...]} (medians, then every update).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fail, importDist, manifest } from './common.mjs';
import { hostProgram } from './hosts.mjs';

const WORKER = new URL('./threads-worker.mjs', import.meta.url);
const threads = Number(process.argv[3] ?? '4');
const dl = await importDist('linker');
const m = manifest();
const files = m.modules.map(({ path, name }) => ({ name, bytes: readFileSync(path) }));
let linker;
linker = dl.createLinkerSync({ program: { ...hostProgram('bm', () => linker), shared: true } });
const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const answer = (worker) =>
  new Promise((resolve, reject) => {
    const onMessage = (r) => {
      if (r?.bench === undefined) return;
      worker.off('message', onMessage);
      if (r.error !== undefined) reject(new Error(r.error));
      else resolve(r);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });

const k = m.dlopens;
for (const file of files.slice(0, files.length - k)) linker.dlopenSync(file, flags);
const group = new dl.ThreadGroup(linker, { stackSize: 65536 });
const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: { mode: 'serve' } }));
await Promise.all(workers.map((w) => group.add(w)));
const updates = [];
const made = linker.threadUpdates.bind(linker);
linker.threadUpdates = (...args) => {
  const t0 = performance.now();
  const out = made(...args);
  updates.push(performance.now() - t0);
  return out;
};
const syncs = [];
for (const file of files.slice(files.length - k)) {
  linker.dlopenSync(file, flags);
  const t0 = performance.now();
  await group.sync();
  syncs.push(performance.now() - t0);
}
let checksum = 0;
for (const { symbol } of m.modules) checksum += linker.dlsym(null, symbol).func();
for (const w of workers) {
  const check = answer(w);
  w.postMessage({ bench: 'check', modules: m.modules });
  const r = await check;
  if (r.checksum !== checksum) fail(`a following thread's checksum is ${r.checksum}, the leader's ${checksum}`);
  group.remove(w);
  await w.terminate();
}
if (checksum !== m.expected) fail(`checksum ${checksum}, expected ${m.expected}`);
console.log(JSON.stringify({ updateMs: median(updates), syncMs: median(syncs), updates }));
