// The program the snapshot tests take and restore (snapshot.test.ts, snapshot-sync.test.ts), and
// what they compare between the program snapshotted and the one restored.
import { expect } from 'vitest';
import { RTLD } from '../flags.js';
import { RTLD_DEFAULT } from '../symbol-lookup.js';
import type { Linker } from '../linker.js';
import { call } from '../test-support.harness.js';
import type { HostedLinker } from '../test-support.harness.js';

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

/**
 * After a restore: a later load and unload work on the restored program as on the original
 * (their digests stay equal), and `exit()` runs the destructor libctor.so registered (note 9000).
 */
export function expectLaterLoads(original: HostedLinker, restored: HostedLinker): void {
  for (const l of [original, restored]) {
    const weak = l.linker.dlopenSync('libweak.so', RTLD.NOW);
    expect(call(l.linker, weak, 'weak_check')).toBe(0);
    l.linker.dlclose(weak);
  }
  expect(restored.linker.digest()).toEqual(original.linker.digest());
  restored.linker.exit();
  expect(restored.host.notes).toEqual([9000]);
}
