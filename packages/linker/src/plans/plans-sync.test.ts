import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DlError } from '@dl/errors';
import type { Toolchain } from '@dl/fixtures';
import { RTLD } from '../flags.js';
import { RTLD_DEFAULT } from '../symbol-lookup.js';
import { memoryLoader } from '../loader.js';
import { call, hostLinker, sideFiles } from '../test-support.harness.js';
import { encodePlan } from './codec.js';
import { linkWithPlan } from './link.js';
import { linkWithPlanSync } from './link-sync.js';
import { memoryPlanStore } from './plan.js';
import type { SyncPlanStore } from './plan.js';
import { contentHashSync } from './sha256.js';

const ROOTS = ['libdiamond.so', 'libreloc.so', 'libfptr.so', 'libctor.so', 'libi64.so'];
const CHECKS = ['reloc_check', 'fptr_check', 'ctor_check', 'need_b_check', 'need_c_check', 'i64_check'];

function observe(linker: Awaited<ReturnType<typeof hostLinker>>['linker']): unknown {
  return {
    checks: CHECKS.map((name) => call(linker, RTLD_DEFAULT, name)),
    diamond: call(linker, RTLD_DEFAULT, 'diamond', 5),
    digest: linker.digest(),
    graph: linker.graph(),
  };
}

describe('contentHashSync', () => {
  it('is SHA-256: node:crypto’s digest for every padding case and a real module', () => {
    const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4099];
    const inputs: Uint8Array[] = lengths.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff));
    const lib = sideFiles('emcc')['libdiamond.so']!;
    inputs.push(lib, lib.subarray(7, 300));
    for (const bytes of inputs)
      expect(contentHashSync(bytes)).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  });
});

describe.each(['clang16', 'emcc'] as Toolchain[])('link plans for synchronous loads (%s)', (toolchain) => {
  it('loadSync records a plan in a synchronous store; a fresh linker replays it synchronously: same calls, digest and graph', async () => {
    const store = memoryPlanStore();
    const a = await hostLinker(toolchain);
    const first = linkWithPlanSync(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'app' });
    expect([first.replayed, first.plan?.libraries]).toEqual([false, expect.any(Array)]);
    expect(store.getSync('app')).toEqual(encodePlan(first.plan!));
    const b = await hostLinker(toolchain);
    const second = linkWithPlanSync(b.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'app' });
    expect([second.replayed, second.stale]).toEqual([true, undefined]);
    expect(second.handles.map((h) => h.name)).toEqual(first.handles.map((h) => h.name));
    expect(observe(b.linker)).toEqual(observe(a.linker));
  });

  it('plans recorded by one path are replayed by the other (the same hashes)', async () => {
    const a = await hostLinker(toolchain);
    const recordedAsync = await linkWithPlan(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    const b = await hostLinker(toolchain);
    const recordedSync = linkWithPlanSync(b.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    expect(recordedSync.plan).toEqual(recordedAsync.plan);
    const c = await hostLinker(toolchain);
    expect(linkWithPlanSync(c.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: recordedAsync.plan }).replayed).toBe(true);
    const d = await hostLinker(toolchain);
    const bytes = encodePlan(recordedSync.plan!);
    expect((await linkWithPlan(d.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: bytes })).replayed).toBe(true);
    expect(observe(d.linker)).toEqual(observe(c.linker));
  });

  it('one library (dlopenSync’s case) with a local scope', async () => {
    const a = await hostLinker(toolchain);
    const { plan, handles } = linkWithPlanSync(a.linker, ['libdiamond.so'], RTLD.NOW);
    const b = await hostLinker(toolchain);
    const again = linkWithPlanSync(b.linker, ['libdiamond.so'], RTLD.NOW, { plan });
    expect(again.replayed).toBe(true);
    expect(call(b.linker, again.handles[0]!, 'diamond', 5)).toBe(call(a.linker, handles[0]!, 'diamond', 5));
    expect(b.linker.digest()).toBe(a.linker.digest());
  });

  it('a changed library is not replayed: a normal link, a new plan kept', async () => {
    const store = memoryPlanStore();
    const a = await hostLinker(toolchain);
    const plan = linkWithPlanSync(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store }).plan!;
    const files = { ...sideFiles(toolchain) };
    files['libneed_a.so'] = sideFiles(toolchain === 'clang16' ? 'emcc' : 'clang16')['libneed_a.so']!;
    const changed = await hostLinker(toolchain, { loader: memoryLoader(files) });
    const out = linkWithPlanSync(changed.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store });
    expect([out.replayed, out.stale]).toEqual([false, expect.stringMatching(/libneed_a\.so changed/)]);
    expect(call(changed.linker, RTLD_DEFAULT, 'need_b_check')).toBe(0);
    expect(store.getSync('default')).toEqual(encodePlan(out.plan!));
    expect(out.plan).not.toEqual(plan);
  });

  it('a record its store refuses is dropped, a plan it will not keep is said: the link stands', async () => {
    const refusing = (code: 'DL_PLAN_CORRUPT' | 'DL_LIMIT'): SyncPlanStore & { deleted: string[] } => {
      const deleted: string[] = [];
      return {
        deleted,
        getSync: () => {
          throw new DlError(code, `refused (${code})`);
        },
        putSync: () => {
          throw new DlError('DL_LIMIT', 'too big');
        },
        deleteSync: (key) => {
          deleted.push(key);
        },
      };
    };
    const store = refusing('DL_PLAN_CORRUPT');
    const { linker } = await hostLinker(toolchain);
    const out = linkWithPlanSync(linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { store, key: 'k' });
    expect(out).toMatchObject({ replayed: false, notStored: 'too big' });
    expect(out.stale).toMatch(/dropped: refused \(DL_PLAN_CORRUPT\)/);
    expect(store.deleted).toEqual(['k']);
    expect(call(linker, RTLD_DEFAULT, 'ctor_check')).toBe(0);
  });
});
