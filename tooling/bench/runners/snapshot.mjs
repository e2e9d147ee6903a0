// snapshot: a restore in a new process — read the modules and the snapshot file, then
// restoreSnapshot compiles (in parallel) and instantiates them at the planned places with the
// planned bindings and writes the memory: no relocation, no constructor:
// node runners/snapshot.mjs MANIFEST SNAPSHOT_FILE.
import { readFileSync } from 'node:fs';
import { instrument, manifest, phaseListener, report } from './common.mjs';
import { checksum } from './hosts.mjs';
import { dl, readSources, sameDigest, setLinker } from './plan-common.mjs';

const m = manifest();
const timing = instrument();
const phases = phaseListener();
const linker = await setLinker(m, phases.onEvent);
const t0 = performance.now();
const sources = readSources(m);
await dl.restoreSnapshot(linker, dl.decodeSnapshot(readFileSync(process.argv[3])), sources);
const totalMs = performance.now() - t0;
sameDigest(linker, process.argv[3]);
report(
  m,
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, phases: phases.ms },
  checksum(m, linker),
);
