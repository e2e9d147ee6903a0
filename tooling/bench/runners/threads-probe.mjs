// A probe of the leading thread's part of a ThreadGroup sync (issue 13): one process links set N
// (gen-threads.mjs) but the last `dlopens` modules, starts THREADS workers following through a
// ThreadGroup (threads-worker.mjs `serve`), then opens the last modules one at a time, each
// followed by group.sync(), and times each `linker.threadUpdates` call (the updates of every
// thread, made on the leader) and each whole sync. Every worker checks the whole set at the end.
//   node runners/threads-probe.mjs MANIFEST [THREADS=4] [timeline]
// Prints one JSON line {"updateMs", "syncMs", "updates": [...]} (medians, then every update);
// with `timeline`, also the median moments of a sync on a clock every thread shares
// (performance.timeOrigin + now), in ms from dlopenSync's start: its end, threadUpdates' end,
// each post, each worker's receipt, acknowledgement and end, each ack's arrival, sync's end.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fail, importDist, manifest } from './common.mjs';
import { hostProgram } from './hosts.mjs';
import { median, answer } from './threads-common.mjs';

const WORKER = new URL('./threads-worker.mjs', import.meta.url);
const threads = Number(process.argv[3] ?? '4');
const timeline = process.argv[4] === 'timeline';
const clock = () => performance.timeOrigin + performance.now();
/** Per sync: the leader's moments, and per worker (by index) its update's seq, post and ack arrival. */
const syncMarks = [];
let current = null;
const dl = { ...(await importDist('linker')), ...(await importDist('linker', 'threads')) };
const m = manifest();
const files = m.modules.map(({ path, name }) => ({ name, bytes: readFileSync(path) }));
let linker;
linker = dl.createLinkerSync({ program: { ...hostProgram('bm', () => linker), shared: true } });
const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;
/** The median over the syncs of each moment, in ms from dlopenSync's start (worker moments by seq). */
function moments(workerMarks) {
  const at = new Map();
  const add = (name, t, s) => {
    if (t === undefined) return;
    if (!at.has(name)) at.set(name, []);
    at.get(name).push(t - s.start);
  };
  for (const s of syncMarks) {
    add('dlopenSync end', s.dlopenEnd, s);
    add('threadUpdates start', s.updatesStart, s);
    add('threadUpdates end', s.updatesEnd, s);
    for (const [i, w] of s.workers.entries()) {
      if (w === undefined) continue;
      const mine = workerMarks[i].find((m) => m.seq === w.seq) ?? {};
      add(`w${i + 1} posted`, w.posted, s);
      add(`w${i + 1} post returned`, w.postEnd, s);
      add(`w${i + 1} received`, mine.received, s);
      add(`w${i + 1} acked`, mine.acked, s);
      add(`w${i + 1} done`, mine.done, s);
      add(`w${i + 1} ack arrived`, w.ackArrived, s);
    }
    add('sync end', s.syncEnd, s);
  }
  return Object.fromEntries([...at].map(([name, ts]) => [name, Math.round(median(ts) * 1000) / 1000]));
}

const k = m.dlopens;
for (const file of files.slice(0, files.length - k)) linker.dlopenSync(file, flags);
const group = new dl.ThreadGroup(linker, { stackSize: 65536 });
const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: { mode: 'serve' } }));
await Promise.all(workers.map((w) => group.add(w)));
for (const [i, w] of workers.entries()) {
  const post = w.postMessage.bind(w);
  w.postMessage = (msg) => {
    if (msg?.dl === 'update' && current !== null) current.workers[i] = { seq: msg.seq, posted: clock() };
    post(msg);
    if (msg?.dl === 'update' && current?.workers[i] !== undefined) current.workers[i].postEnd = clock();
  };
  w.on('message', (msg) => {
    if (msg?.dl === 'ack' && current?.workers[i]?.seq === msg.seq) current.workers[i].ackArrived = clock();
  });
}
const updates = [];
const made = linker.threadUpdates.bind(linker);
linker.threadUpdates = (...args) => {
  if (current !== null) current.updatesStart = clock();
  const t0 = performance.now();
  const out = made(...args);
  updates.push(performance.now() - t0);
  if (current !== null) current.updatesEnd = clock();
  return out;
};
const syncs = [];
for (const file of files.slice(files.length - k)) {
  current = { start: clock(), workers: [] };
  linker.dlopenSync(file, flags);
  current.dlopenEnd = clock();
  const t0 = performance.now();
  await group.sync();
  syncs.push(performance.now() - t0);
  current.syncEnd = clock();
  syncMarks.push(current);
  current = null;
}
let checksum = 0;
for (const { symbol } of m.modules) checksum += linker.dlsym(null, symbol).func();
const workerMarks = [];
for (const w of workers) {
  const check = answer(w);
  w.postMessage({ bench: 'check', modules: m.modules });
  const r = await check;
  if (r.checksum !== checksum) fail(`a following thread's checksum is ${r.checksum}, the leader's ${checksum}`);
  workerMarks.push(r.marks ?? []);
  group.remove(w);
  await w.terminate();
}
if (checksum !== m.expected) fail(`checksum ${checksum}, expected ${m.expected}`);
const result = { updateMs: median(updates), syncMs: median(syncs), updates };
console.log(JSON.stringify(timeline ? { ...result, timeline: moments(workerMarks) } : result));
