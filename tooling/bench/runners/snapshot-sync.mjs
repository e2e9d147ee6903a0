// snapshot-sync: `snapshot` without awaiting anything — read the modules and the snapshot file,
// then restoreSnapshotSync compiles (one module after another, synchronously) and instantiates
// them at the planned places with the planned bindings and writes the memory: no relocation,
// no constructor, SHA-256 in JavaScript: node runners/snapshot-sync.mjs MANIFEST SNAPSHOT_FILE.
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
dl.restoreSnapshotSync(linker, dl.decodeSnapshot(readFileSync(process.argv[3])), sources);
const totalMs = performance.now() - t0;
sameDigest(linker, process.argv[3]);
report(
  m,
  { totalMs, compileMs: timing.compileMs, instantiateMs: timing.instantiateMs, phases: phases.ms },
  checksum(m, linker),
);
