// snapshot-sync: `snapshot` without awaiting anything — read the modules and the snapshot file,
// then restoreSnapshotSync compiles (one module after another, synchronously) and instantiates
// them at the planned places with the planned bindings and writes the memory: no relocation,
// no constructor, SHA-256 in JavaScript: node runners/snapshot-sync.mjs MANIFEST SNAPSHOT_FILE.
import { readFileSync } from 'node:fs';
import { dl, warmStart } from './plan-common.mjs';

await warmStart((linker, sources, file) => {
  dl.restoreSnapshotSync(linker, dl.decodeSnapshot(readFileSync(file)), sources);
});
