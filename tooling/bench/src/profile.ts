/**
 * `--profile RUNNER`: runs one runner once under `node --cpu-prof` on the largest set and
 * prints the top functions by self time and by total time (V8's .cpuprofile, summarised).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderTable } from '@dl/cli/report';
import { BENCH_DIR, commandOf } from './linker-run.js';
import type { RunSpec } from './linker-run.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const ROOT = join(BENCH_DIR, '..', '..');

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url === '' ? '' : url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url;
  return `${functionName === '' ? '(anonymous)' : functionName}${file === '' ? '' : ` ${file}:${lineNumber + 1}`}`;
}

/** Self and total milliseconds per function (total counts a function once per stack). */
export function summarise(profile: CpuProfile): { self: Map<string, number>; total: Map<string, number>; ms: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let ms = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    ms += dt;
    const leaf = byId.get(id);
    if (leaf === undefined) return;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (!seen.has(name)) total.set(name, (total.get(name) ?? 0) + dt);
      seen.add(name);
    }
  });
  return { self, total, ms };
}

function top(map: Map<string, number>, ms: number, count: number, skip: (name: string) => boolean): string[][] {
  return [...map]
    .filter(([name]) => !skip(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => [t.toFixed(1), `${((100 * t) / ms).toFixed(1)} %`, name]);
}

/** Profiles one run of `runner` (its `script`, default its name) on `set` and returns the summary. */
export function profileRun(runner: string, set: RunSpec, script: string = runner, count = 15): string {
  const dir = join(BENCH_DIR, '.build', 'prof');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const args = commandOf(script, set, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100']);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, cwd: BENCH_DIR });
  if (r.status !== 0) throw new Error(`profiling ${runner} failed:\n${r.stdout}${r.stderr}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const { self, total, ms } = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
  const boring = (name: string): boolean =>
    /^\((root|program|idle)\)|^\(anonymous\) (node:|runners\/)|^(run|main) /.test(name);
  const head = ['ms', 'share', 'function'];
  return [
    `profile of ${runner} on ${set.set} ${set.n} (node --cpu-prof, 100 µs interval; whole process ${ms.toFixed(0)} ms; run printed ${r.stdout.trim()})`,
    `file: ${relative(ROOT, join(dir, file))}`,
    'self time:',
    renderTable([head, ...top(self, ms, count, () => false)], ['right', 'right', 'left'], '  '),
    'total time (inclusive):',
    renderTable([head, ...top(total, ms, count, boring)], ['right', 'right', 'left'], '  '),
  ].join('\n');
}
