/**
 * pnpm fuzz [--iterations N] [--seed S] [--workers W] [--hang-ms T] [--replay INDEX]
 *
 * Mutates the real fixture corpus and runs every @dl/reader entry point on each input (see
 * check.ts for what must hold). Inputs are numbered; input #i of seed S is the same bytes on
 * every machine, so a failure is reproduced with `--seed S --replay i`. Failing inputs are
 * saved to .fuzz/. A worker that stops advancing for --hang-ms is reported as a hang.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { check } from './check.js';
import { loadSeeds } from './corpus.js';
import { generate } from './worker.js';
import type { WorkerJob, WorkerMessage } from './worker.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '30000' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: String(Math.max(1, availableParallelism())) },
    'hang-ms': { type: 'string', default: '10000' },
    'max-seed-size': { type: 'string', default: '300000' },
    'engine-limit': { type: 'string', default: '300000' },
    replay: { type: 'string' },
    out: { type: 'string', default: '.fuzz' },
  },
});
const seed = Number(values.seed);
const iterations = Number(values.iterations);
const workers = Number(values.workers);
const hangMs = Number(values['hang-ms']);
const maxSeedSize = Number(values['max-seed-size']);
const engineLimit = Number(values['engine-limit']);
const outDir = join(process.env.INIT_CWD ?? process.cwd(), values.out);

function save(index: number, reason: string): string {
  mkdirSync(outDir, { recursive: true });
  const { bytes, from } = generate(seed, index, maxSeedSize);
  const base = join(outDir, `failure-s${seed}-i${index}`);
  writeFileSync(`${base}.wasm`, bytes);
  writeFileSync(`${base}.txt`, `seed ${seed} input ${index} (mutated from ${from})\n${reason}\n`);
  return `${base}.wasm`;
}

if (values.replay !== undefined) {
  const index = Number(values.replay);
  const { bytes, from, random } = generate(seed, index, maxSeedSize);
  const outcome = check(bytes, random, engineLimit);
  console.log(`input ${index} of seed ${seed}: ${bytes.length} bytes mutated from ${from}: ${JSON.stringify(outcome)}`);
  if (outcome.kind === 'failure') console.log(`saved ${save(index, outcome.reason)}`);
  process.exit(outcome.kind === 'failure' ? 1 : 0);
}

const seedCount = loadSeeds(maxSeedSize).length;
const started = performance.now();
const current = new SharedArrayBuffer(4 * workers);
const slots = new Int32Array(current);
const progress = new Map<number, Extract<WorkerMessage, { type: 'progress' }>>();
const failures: string[] = [];
const pool: Worker[] = [];

const finished = Promise.all(
  Array.from(
    { length: workers },
    (_, w) =>
      new Promise<void>((resolve) => {
        const job: WorkerJob = {
          seed,
          first: w,
          stride: workers,
          iterations,
          maxSeedSize,
          engineLimit,
          current,
          slot: w,
        };
        // tsx hooks are per thread: the .mjs entry registers them, then loads worker.ts.
        const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
          workerData: job,
          execArgv: ['--conditions=@dl/source'],
        });
        pool.push(worker);
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'progress') progress.set(w, m);
          else failures.push(`input ${m.index}: ${m.reason.split('\n')[0] ?? ''} -> ${save(m.index, m.reason)}`);
        });
        worker.on('error', (e) => {
          failures.push(`worker ${w} crashed: ${e.stack ?? e.message}`);
          resolve();
        });
        worker.on('exit', () => {
          resolve();
        });
      }),
  ),
);

// Watchdog: a worker whose current input does not change for hang-ms is hung on that input.
const last = Array.from({ length: workers }, () => ({ index: -1, since: performance.now() }));
const watchdog = setInterval(() => {
  const now = performance.now();
  pool.forEach((worker, w) => {
    const index = Atomics.load(slots, w);
    const seen = last[w]!;
    if (index !== seen.index) {
      seen.index = index;
      seen.since = now;
    } else if (now - seen.since > hangMs && index >= 0 && !progressDone(w)) {
      failures.push(`input ${index}: no result after ${hangMs} ms (hang) -> ${save(index, 'hang')}`);
      void worker.terminate();
    }
  });
}, 500);

function progressDone(w: number): boolean {
  const p = progress.get(w);
  return p !== undefined && p.done >= Math.ceil((iterations - w) / workers);
}

await finished;
clearInterval(watchdog);

const total = { done: 0, ok: 0, maxMs: 0, maxHeapMb: 0, codes: {} as Record<string, number> };
for (const p of progress.values()) {
  total.done += p.done;
  total.ok += p.ok;
  total.maxMs = Math.max(total.maxMs, p.maxMs);
  total.maxHeapMb = Math.max(total.maxHeapMb, p.maxHeapMb);
  for (const [code, n] of Object.entries(p.codes)) total.codes[code] = (total.codes[code] ?? 0) + n;
}
const seconds = (performance.now() - started) / 1000;
const refused = Object.values(total.codes).reduce((a, b) => a + b, 0);
console.log(
  `fuzz: ${total.done} inputs from ${seedCount} seeds (seed ${seed}, ${workers} workers) in ${seconds.toFixed(1)} s: ` +
    `${total.ok} read, ${refused} refused with a DlError, ${failures.length} failures`,
);
console.log(
  `  refused by code: ${Object.entries(total.codes)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')}`,
);
console.log(`  slowest input ${total.maxMs.toFixed(1)} ms; largest heap ${total.maxHeapMb.toFixed(0)} MB`);
for (const f of failures) console.log(`  FAILURE ${f}`);
process.exit(failures.length > 0 || total.done < iterations ? 1 : 0);
