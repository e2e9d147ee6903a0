// bare-parallel: read everything, Promise.all(WebAssembly.compile) (the engine uses the other
// core), then new WebAssembly.Instance with dummy imports in order. Checksum: instance count.
import { readFileSync } from 'node:fs';
import { instrument, manifest, report } from './common.mjs';
import { floorProgram } from './floor.mjs';

const m = manifest();
const timing = instrument();
const program = floorProgram();
const t0 = performance.now();
const modules = await Promise.all(m.modules.map(({ path }) => WebAssembly.compile(readFileSync(path))));
for (const module of modules) program.instantiate(module);
const totalMs = performance.now() - t0;
report(
  { ...m, expected: m.modules.length },
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs },
  program.count,
);
