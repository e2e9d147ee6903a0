// The program the snapshot tests take and restore (snapshot.test.ts, snapshot-sync.test.ts), and
// what they compare between the program snapshotted and the one restored.
import { RTLD_DEFAULT } from '../linker.js';
import type { Linker } from '../linker.js';
import { call } from '../test-support.harness.js';

/** Loaded together: relocations, function pointers, constructors (libctor.so notes them to the host). */
export const ROOTS: readonly string[] = ['libdiamond.so', 'libreloc.so', 'libfptr.so', 'libctor.so'];

const CHECKS = ['reloc_check', 'fptr_check', 'ctor_check', 'need_b_check', 'need_c_check'];

/** What the program computes and the linker's view of it: equal for a restored program. */
export function observe(linker: Linker): unknown {
  return {
    checks: CHECKS.map((name) => call(linker, RTLD_DEFAULT, name)),
    diamond: call(linker, RTLD_DEFAULT, 'diamond', 5),
    ctorValue: call(linker, RTLD_DEFAULT, 'ctor_value'),
    digest: linker.digest(),
    graph: linker.graph(),
  };
}
