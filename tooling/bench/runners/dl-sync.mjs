// dl-sync: @dl/linker (built), a JS host program, then module by module in order:
// read + linker.dlopenSync({ name, bytes }, RTLD_NOW | RTLD_GLOBAL).
import { readFileSync } from 'node:fs';
import { importDist, instrument, manifest, phaseListener, report } from './common.mjs';
import { checksum, hostProgram } from './hosts.mjs';

const { createLinkerSync, RTLD } = await importDist('linker');
const m = manifest();
const timing = instrument();
const holder = {};
const phases = phaseListener();
const linker = createLinkerSync({ program: hostProgram(m.kind, () => holder.linker), onEvent: phases.onEvent });
holder.linker = linker;
const t0 = performance.now();
for (const { path, name } of m.modules) linker.dlopenSync({ name, bytes: readFileSync(path) }, RTLD.NOW | RTLD.GLOBAL);
const totalMs = performance.now() - t0;
report(
  m,
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, phases: phases.ms },
  checksum(m, linker),
);
