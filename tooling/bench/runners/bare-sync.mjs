// bare-sync (the floor): read, new WebAssembly.Module, new WebAssembly.Instance with dummy
// imports, module by module. Its checksum is the number of instances (nothing is linked).
import { readFileSync } from 'node:fs';
import { instrument, manifest, report } from './common.mjs';
import { floorProgram } from './floor.mjs';

const m = manifest();
const timing = instrument();
const program = floorProgram();
const t0 = performance.now();
for (const { path } of m.modules) program.instantiate(new WebAssembly.Module(readFileSync(path)));
const totalMs = performance.now() - t0;
report(
  { ...m, expected: m.modules.length },
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs },
  program.count,
);
