import { readFileSync } from 'node:fs';
import { manifest } from './common.mjs';
import { floorProgram } from './floor.mjs';
const m = manifest();
const mode = process.argv[3];
const mods = m.modules.map(({ path }) => new WebAssembly.Module(readFileSync(path)));
const fp = floorProgram();
const t0 = performance.now();
let k = 1;
const late = [];
for (const mod of mods) {
  const inst = fp.instantiate(mod);
  const f = Object.values(inst.exports).find((v) => typeof v === 'function');
  if (mode === 'none') continue;
  fp.table.grow(1);
  if (mode === 'late') late.push([fp.table.length - 1, f]);
  else fp.table.set(fp.table.length - 1, f);
}
const t1 = performance.now();
for (const [i, f] of late) fp.table.set(i, f);
const t2 = performance.now();
console.log(mode, (t1 - t0).toFixed(1), (t2 - t1).toFixed(1), fp.table.length);
