// dl-batch: @dl/linker (built), a JS host program, then one batch with every module:
// read all + await linker.load(all, RTLD_NOW | RTLD_GLOBAL) (parallel compile, one link pass).
import { readFileSync } from 'node:fs';
import { importDist, instrument, manifest, phaseListener, report } from './common.mjs';
import { checksum, hostProgram } from './hosts.mjs';

const { createLinker, RTLD } = await importDist('linker');
const m = manifest();
const timing = instrument();
const holder = {};
const phases = phaseListener();
const linker = await createLinker({ program: hostProgram(m.kind, () => holder.linker), onEvent: phases.onEvent });
holder.linker = linker;
const t0 = performance.now();
await linker.load(
  m.modules.map(({ path, name }) => ({ name, bytes: readFileSync(path) })),
  RTLD.NOW | RTLD.GLOBAL,
);
const totalMs = performance.now() - t0;
report(
  m,
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, phases: phases.ms },
  checksum(m, linker),
);
