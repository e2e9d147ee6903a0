// snapshot: a restore in a new process — read the modules and the snapshot file, then
// restoreSnapshot compiles (in parallel) and instantiates them at the planned places with the
// planned bindings and writes the memory: no relocation, no constructor:
// node runners/snapshot.mjs MANIFEST SNAPSHOT_FILE.
import { readFileSync } from 'node:fs';
import { dl, warmStart } from './plan-common.mjs';

await warmStart((linker, sources, file) => dl.restoreSnapshot(linker, dl.decodeSnapshot(readFileSync(file)), sources));
