import { parentPort, workerData } from 'node:worker_threads';
import { check } from './check.js';
import { loadSeeds } from './corpus.js';
import { mutate } from './mutators.js';
import { inputSeed, Random } from './random.js';

/** What the main thread tells a worker. */
export interface WorkerJob {
  readonly seed: number;
  readonly first: number;
  readonly stride: number;
  readonly iterations: number;
  readonly maxSeedSize: number;
  readonly engineLimit: number;
  /** Shared slot where the worker writes the index it is working on (for the hang watchdog). */
  readonly current: SharedArrayBuffer;
  readonly slot: number;
}

/** Progress and results a worker reports. */
export type WorkerMessage =
  | {
      readonly type: 'progress';
      readonly done: number;
      readonly ok: number;
      readonly codes: Record<string, number>;
      readonly maxMs: number;
      readonly maxHeapMb: number;
    }
  | { readonly type: 'failure'; readonly index: number; readonly reason: string };

/** Regenerates input `index` of a run: the same bytes on every machine and in every worker. */
export function generate(
  seed: number,
  index: number,
  maxSeedSize: number,
): { bytes: Uint8Array<ArrayBuffer>; from: string; random: Random } {
  const seeds = cachedSeeds(maxSeedSize);
  const random = new Random(inputSeed(seed, index));
  const base = random.pick(seeds);
  return { bytes: mutate(random, base, seeds), from: base.name, random };
}

let seedCache: ReturnType<typeof loadSeeds> | undefined;
function cachedSeeds(maxSeedSize: number): ReturnType<typeof loadSeeds> {
  seedCache ??= loadSeeds(maxSeedSize);
  return seedCache;
}

function run(job: WorkerJob): void {
  const current = new Int32Array(job.current);
  const codes: Record<string, number> = {};
  let done = 0;
  let ok = 0;
  let maxMs = 0;
  let maxHeapMb = 0;
  const report = (): void => {
    parentPort!.postMessage({
      type: 'progress',
      done,
      ok,
      codes: { ...codes },
      maxMs,
      maxHeapMb,
    } satisfies WorkerMessage);
  };
  for (let index = job.first; index < job.iterations; index += job.stride) {
    Atomics.store(current, job.slot, index);
    const { bytes, random } = generate(job.seed, index, job.maxSeedSize);
    const t0 = performance.now();
    const outcome = check(bytes, random, job.engineLimit);
    maxMs = Math.max(maxMs, performance.now() - t0);
    if (outcome.kind === 'failure')
      parentPort!.postMessage({ type: 'failure', index, reason: outcome.reason } satisfies WorkerMessage);
    else if (outcome.kind === 'ok') ok++;
    else codes[outcome.code] = (codes[outcome.code] ?? 0) + 1;
    done++;
    if (done % 1000 === 0) {
      maxHeapMb = Math.max(maxHeapMb, process.memoryUsage().heapUsed / 2 ** 20);
      report();
    }
  }
  report();
}

if (parentPort !== null && workerData !== undefined) run(workerData as WorkerJob);
