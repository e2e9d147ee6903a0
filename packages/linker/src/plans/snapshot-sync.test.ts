// Snapshots restored without awaiting anything (restoreSnapshotSync), on real modules: taken after
// a synchronous or an asynchronous load, restored into a JS host and a relocatable main.
import { describe, expect, it } from 'vitest';
import { fixture, fixtureBytes } from '@dl/fixtures';
import type { Toolchain } from '@dl/fixtures';
import { createLinkerSync } from '../create.js';
import type { Handle } from '../types.js';
import { RTLD } from '../flags.js';
import { RTLD_DEFAULT } from '../symbol-lookup.js';
import type { Linker } from '../linker.js';
import { memoryLoader } from '../loader.js';
import type { Loader } from '../loader.js';
import { call, hostLinker, hostLinkerSync, sideFiles, thrown } from '../test-support.harness.js';
import { linkWithPlan } from './link.js';
import { linkWithPlanSync } from './link-sync.js';
import { decodeSnapshot, encodeSnapshot, restoreSnapshot, restoreSnapshotSync, takeSnapshot } from './snapshot.js';
import { expectLaterLoads, observe, ROOTS } from './snapshot-programs.harness.js';

describe.each(['clang16', 'emcc'] as Toolchain[])('snapshots restored synchronously (%s)', (toolchain) => {
  it('restores a program linked with linkWithPlanSync without its relocations or constructors, and it behaves as the one snapshotted', () => {
    const a = hostLinkerSync(toolchain);
    const { plan } = linkWithPlanSync(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    expect(a.host.notes).toEqual([200, 300, 1000]); // libctor.so's constructors
    const bytes = encodeSnapshot(takeSnapshot(a.linker, plan!));

    const b = hostLinkerSync(toolchain);
    const handles = restoreSnapshotSync(b.linker, decodeSnapshot(bytes), ROOTS);
    expect(handles.map((h) => h.name)).toEqual(ROOTS);
    expect(b.host.notes).toEqual([]); // no constructor ran
    expect(observe(b.linker)).toEqual(observe(a.linker));

    expectLaterLoads(a, b);
  });

  it('restores a snapshot of an asynchronous load synchronously, and one of a synchronous load asynchronously', async () => {
    const a = await hostLinker(toolchain);
    const fromAsync = encodeSnapshot(
      takeSnapshot(a.linker, (await linkWithPlan(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL)).plan!),
    );
    const s = hostLinkerSync(toolchain);
    const fromSync = encodeSnapshot(
      takeSnapshot(s.linker, linkWithPlanSync(s.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL).plan!),
    );

    const b = hostLinkerSync(toolchain);
    restoreSnapshotSync(b.linker, decodeSnapshot(fromAsync), ROOTS);
    expect(observe(b.linker)).toEqual(observe(a.linker));
    const c = await hostLinker(toolchain);
    await restoreSnapshot(c.linker, decodeSnapshot(fromSync), ROOTS);
    expect(observe(c.linker)).toEqual(observe(s.linker));
    expect([b.host.notes, c.host.notes]).toEqual([[], []]);
  });

  it('takes and restores a snapshot of an RTLD_LOCAL load (its own scope group is made after binding)', async () => {
    const roots = ['libreloc.so', 'libctor.so'];
    const seen = (l: Linker, [reloc, ctor]: readonly Handle[]): unknown => ({
      checks: [call(l, reloc!, 'reloc_check'), call(l, ctor!, 'ctor_check'), call(l, ctor!, 'ctor_value')],
      global: thrown(() => l.dlsym(RTLD_DEFAULT, 'reloc_check')).code,
      digest: l.digest(),
      graph: l.graph(),
    });
    const a = hostLinkerSync(toolchain);
    const linked = linkWithPlanSync(a.linker, roots, RTLD.NOW);
    const bytes = encodeSnapshot(takeSnapshot(a.linker, linked.plan!));
    const b = hostLinkerSync(toolchain);
    const restored = restoreSnapshotSync(b.linker, decodeSnapshot(bytes), roots);
    expect(seen(b.linker, restored)).toEqual(seen(a.linker, linked.handles));
    expect(seen(b.linker, restored)).toMatchObject({
      checks: [0, 0, expect.any(Number)],
      global: 'DL_UNDEFINED_SYMBOL',
    });
    // And asynchronously, the same.
    const c = await hostLinker(toolchain);
    const linkedAsync = await linkWithPlan(c.linker, roots, RTLD.NOW);
    const d = await hostLinker(toolchain);
    const fromAsync = decodeSnapshot(encodeSnapshot(takeSnapshot(c.linker, linkedAsync.plan!)));
    expect(seen(d.linker, await restoreSnapshot(d.linker, fromAsync, roots))).toEqual(
      seen(c.linker, linkedAsync.handles),
    );
  });

  it('refuses, loading nothing, a changed library, a host that lacks a function, and a loader with no loadSync', () => {
    const a = hostLinkerSync(toolchain);
    const snapshot = takeSnapshot(a.linker, linkWithPlanSync(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL).plan!);

    const files = { ...sideFiles(toolchain), 'libneed_c.so': sideFiles(toolchain)['libneed_b.so']! };
    const changed = hostLinkerSync(toolchain, { loader: memoryLoader(files) });
    const refusal = thrown(() => restoreSnapshotSync(changed.linker, snapshot, ROOTS));
    expect([refusal.code, refusal.message]).toEqual(['DL_PLAN_STALE', expect.stringMatching(/libneed_c\.so changed/)]);
    expect(changed.linker.graph().libraries).toEqual([]);

    const fewer = hostLinkerSync(toolchain, {
      editHost: (fns) => Object.fromEntries(Object.entries(fns).filter(([n]) => n !== 'main_add1')),
    });
    expect(thrown(() => restoreSnapshotSync(fewer.linker, snapshot, ROOTS)).code).toBe('DL_PLAN_STALE');
    expect(fewer.linker.graph().libraries).toEqual([]);

    // Only asynchronous: the libraries the roots need cannot be had without awaiting.
    const memory = memoryLoader(sideFiles(toolchain));
    const asyncOnly: Loader = { load: (request) => memory.load(request) };
    const slow = hostLinkerSync(toolchain, { loader: asyncOnly });
    const noSync = thrown(() => restoreSnapshotSync(slow.linker, snapshot, ROOTS));
    expect([noSync.code, noSync.message]).toEqual(['DL_PLAN_STALE', expect.stringMatching(/no synchronous loader/)]);
    expect(slow.linker.graph().libraries).toEqual([]);
  });
});

describe('a relocatable main (clang -pie), restored synchronously', () => {
  it("has the libraries loaded after the main, the main's heap included, without their constructors", () => {
    const make = (): Linker =>
      createLinkerSync({
        program: { kind: 'relocatable', module: fixtureBytes(fixture('main', 'clang16')) },
        loader: memoryLoader(sideFiles('clang16')),
      });
    const roots = ['libdiamond.so', 'libneed_a.so'];
    const a = make();
    const bytes = encodeSnapshot(takeSnapshot(a, linkWithPlanSync(a, roots, RTLD.NOW | RTLD.GLOBAL).plan!));
    const b = make();
    restoreSnapshotSync(b, decodeSnapshot(bytes), roots);
    const seen = (l: Linker): unknown => ({
      run: call(l, RTLD_DEFAULT, 'main_run'),
      diamond: call(l, RTLD_DEFAULT, 'diamond', 9),
      digest: l.digest(),
    });
    expect(seen(b)).toEqual(seen(a));
    const more = b.dlopenSync('libneed_c.so', RTLD.NOW);
    expect(call(b, more, 'need_c_check')).toBe(0);
    // Restored twice into one program: the second is refused (the first's libraries are resident).
    expect(thrown(() => restoreSnapshotSync(b, decodeSnapshot(bytes), roots)).code).toBe('DL_PLAN_STALE');
  });
});
