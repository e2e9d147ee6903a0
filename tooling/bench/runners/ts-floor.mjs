// The tree-sitter suite's floor: the same bytes compiled and instantiated by the engine and
// nothing more (floor.mjs) — web-tree-sitter's main (setupMs) into a memory of its declared
// size, then each grammar at its own place (dylink.0 or the legacy dylink section), every
// other import a dummy. No runtime start, no symbol resolution, no parse. Checksum: the count.
import { readFileSync } from 'node:fs';
import { manifest } from './common.mjs';
import { floorProgram } from './floor.mjs';
import { instrument, rounded } from './timing.mjs';

// web-tree-sitter 0.27.1's main imports a memory of 512 pages initially, at most 32768.
const MAIN_MEMORY = { initialPages: 512, maximumPages: 32768 };

const m = manifest();
const timing = instrument();
const t0 = performance.now();
const program = floorProgram(MAIN_MEMORY);
program.instantiate(new WebAssembly.Module(readFileSync(m.main)));
const setupMs = performance.now() - t0;
for (const { path } of m.modules) program.instantiate(new WebAssembly.Module(readFileSync(path)));
const totalMs = performance.now() - t0;
console.log(
  JSON.stringify({
    ...rounded({ totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, checksum: program.count }),
    setupMs: Math.round(setupMs * 1000) / 1000,
    recovered: 0,
  }),
);
