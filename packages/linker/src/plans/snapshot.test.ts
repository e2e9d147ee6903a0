import { describe, expect, it, vi } from 'vitest';
import { fixture, fixtureBytes } from '@dl/fixtures';
import type { Toolchain } from '@dl/fixtures';
import { createLinker } from '../create.js';
import { RTLD } from '../flags.js';
import { RTLD_DEFAULT } from '../symbol-lookup.js';
import type { Linker } from '../linker.js';
import { memoryLoader } from '../loader.js';
import { call, hostLinker, rejection, sideFiles, thrown } from '../test-support.harness.js';
import { linkWithPlan } from './link.js';
import { decodeSnapshot, encodeSnapshot, restoreSnapshot, takeSnapshot } from './snapshot.js';
import { expectLaterLoads, observe, ROOTS } from './snapshot-programs.harness.js';

describe.each(['clang16', 'emcc'] as Toolchain[])('snapshots of a JS-host program (%s)', (toolchain) => {
  it('restores without running relocations or constructors, and behaves as the program snapshotted', async () => {
    const a = await hostLinker(toolchain);
    const { plan } = await linkWithPlan(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    expect(a.host.notes).toEqual([200, 300, 1000]); // libctor.so's constructors
    const bytes = encodeSnapshot(takeSnapshot(a.linker, plan!));
    expect(bytes.length).toBeLessThan(a.linker.memory.buffer.byteLength); // only the used part

    const b = await hostLinker(toolchain);
    // Every library's whole content is checked with one digest.
    const digest = vi.spyOn(crypto.subtle, 'digest');
    const handles = await restoreSnapshot(b.linker, decodeSnapshot(bytes), ROOTS);
    expect(digest).toHaveBeenCalledTimes(1);
    digest.mockRestore();
    expect(handles.map((h) => h.name)).toEqual(ROOTS);
    expect(b.host.notes).toEqual([]); // no constructor ran: the host's own state is the host's
    expect(observe(b.linker)).toEqual(observe(a.linker));

    expectLaterLoads(a, b);
  });

  it('refuses a program whose state it cannot hold, and a program that differs from the one snapshotted', async () => {
    const a = await hostLinker(toolchain);
    const { plan } = await linkWithPlan(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    const snapshot = takeSnapshot(a.linker, plan!);
    // A block the host took from the linker lives in the linker's JavaScript bookkeeping.
    a.linker.malloc(64);
    expect(thrown(() => takeSnapshot(a.linker, plan!)).code).toBe('DL_SNAPSHOT_UNSUPPORTED');
    // A library loaded since is not in the plan.
    const c = await hostLinker(toolchain);
    const planned = await linkWithPlan(c.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    await c.linker.dlopen('libweak.so', RTLD.NOW);
    expect(thrown(() => takeSnapshot(c.linker, planned.plan!)).code).toBe('DL_SNAPSHOT_UNSUPPORTED');

    // Restoring where a host function the table may point to is not given again: refused, nothing loaded.
    const fewer = await hostLinker(toolchain, {
      editHost: (fns) => Object.fromEntries(Object.entries(fns).filter(([n]) => n !== 'main_add1')),
    });
    expect((await rejection(restoreSnapshot(fewer.linker, snapshot, ROOTS))).code).toBe('DL_PLAN_STALE');
    expect(fewer.linker.graph().libraries).toEqual([]);
    // A changed library: refused too.
    const files = { ...sideFiles(toolchain), 'libneed_c.so': sideFiles(toolchain)['libneed_b.so']! };
    const changed = await hostLinker(toolchain, { loader: memoryLoader(files) });
    const refusal = await rejection(restoreSnapshot(changed.linker, snapshot, ROOTS));
    expect([refusal.code, refusal.message]).toEqual(['DL_PLAN_STALE', expect.stringMatching(/libneed_c\.so changed/)]);
    expect(changed.linker.graph().libraries).toEqual([]);
  });
});

describe('snapshot bytes', () => {
  it('that are no snapshot are refused with DL_PLAN_FOREIGN or DL_PLAN_CORRUPT', async () => {
    expect(thrown(() => decodeSnapshot(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 0, 0, 0]))).code).toBe(
      'DL_PLAN_FOREIGN',
    );
    const a = await hostLinker('clang16');
    const { plan } = await linkWithPlan(a.linker, ['libneed_a.so']);
    const bytes = encodeSnapshot(takeSnapshot(a.linker, plan!));
    expect(thrown(() => decodeSnapshot(bytes.subarray(0, 40))).code).toBe('DL_PLAN_CORRUPT');
    const damaged = bytes.slice();
    damaged[20] = 0xff;
    expect(thrown(() => decodeSnapshot(damaged)).code).toBe('DL_PLAN_CORRUPT');
    // Where no check of the plan would see it: a bit of the memory, a cut, the registrations.
    const flipped = bytes.slice();
    flipped[bytes.length - 100] = flipped[bytes.length - 100]! ^ 1;
    expect(thrown(() => decodeSnapshot(flipped)).message).toMatch(/its header or memory is damaged/);
    expect(thrown(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1))).code).toBe('DL_PLAN_CORRUPT');
    const older = bytes.slice();
    older[7] = 0x31;
    expect(thrown(() => decodeSnapshot(older)).code).toBe('DL_PLAN_FOREIGN');
    expect(decodeSnapshot(bytes).memory.length).toBeGreaterThan(100);
  });
});

describe('snapshots of a relocatable main (clang -pie)', () => {
  it("restore the libraries loaded after the main, the main's heap included, without their constructors", async () => {
    const make = (): Promise<Linker> =>
      createLinker({
        program: { kind: 'relocatable', module: fixtureBytes(fixture('main', 'clang16')) },
        loader: memoryLoader(sideFiles('clang16')),
      });
    const a = await make();
    const { plan } = await linkWithPlan(a, ['libdiamond.so', 'libneed_a.so'], RTLD.NOW | RTLD.GLOBAL);
    const bytes = encodeSnapshot(takeSnapshot(a, plan!));
    const b = await make();
    await restoreSnapshot(b, decodeSnapshot(bytes), ['libdiamond.so', 'libneed_a.so']);
    const seen = (l: Linker): unknown => ({
      run: call(l, RTLD_DEFAULT, 'main_run'),
      diamond: call(l, RTLD_DEFAULT, 'diamond', 9),
      digest: l.digest(),
    });
    expect(seen(b)).toEqual(seen(a));
    const weak = await b.dlopen('libneed_c.so', RTLD.NOW);
    expect(call(b, weak, 'need_c_check')).toBe(0);
  });
});
