import { describe, expect, it, vi } from 'vitest';
import { DlError } from '@dl/errors';
import type { Toolchain } from '@dl/fixtures';
import { RTLD } from '../flags.js';
import { RTLD_DEFAULT } from '../symbol-lookup.js';
import { memoryLoader } from '../loader.js';
import { call, hostLinker, rejection, sideFiles } from '../test-support.harness.js';
import type { HostedOptions } from '../test-support.harness.js';
import { decodePlan, encodePlan } from './codec.js';
import { linkWithPlan } from './link.js';
import { memoryPlanStore } from './plan.js';

const ROOTS = ['libdiamond.so', 'libreloc.so', 'libfptr.so', 'libctor.so', 'libi64.so'];
const CHECKS = ['reloc_check', 'fptr_check', 'ctor_check', 'need_b_check', 'need_c_check', 'i64_check'];

/** What a caller sees of a linked program: check results, a call with arguments, the digest. */
function observe(linker: Awaited<ReturnType<typeof hostLinker>>['linker']): unknown {
  return {
    checks: CHECKS.map((name) => call(linker, RTLD_DEFAULT, name)),
    diamond: call(linker, RTLD_DEFAULT, 'diamond', 5),
    digest: linker.digest(),
    graph: linker.graph(),
  };
}

describe.each(['clang16', 'emcc'] as Toolchain[])('link plans (%s)', (toolchain) => {
  const first = async (options: HostedOptions = {}) => {
    const { linker } = await hostLinker(toolchain, options);
    const out = await linkWithPlan(linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    return { linker, out };
  };

  it('records a plan on the first link and replays it on a fresh linker: same calls, digest and graph', async () => {
    const a = await first();
    expect(a.out.replayed).toBe(false);
    expect(a.out.plan?.libraries.map((l) => l.name).sort()).toEqual(
      [...ROOTS, 'libneed_a.so', 'libneed_b.so', 'libneed_c.so'].sort(),
    );
    const { linker } = await hostLinker(toolchain);
    const bytes = encodePlan(a.out.plan!);
    // Its 8 libraries are checked with one digest of all their heads.
    const digest = vi.spyOn(crypto.subtle, 'digest');
    const b = await linkWithPlan(linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: bytes });
    expect(digest).toHaveBeenCalledTimes(1);
    digest.mockRestore();
    expect(b.replayed).toBe(true);
    expect(b.stale).toBeUndefined();
    expect(b.handles.map((h) => h.name)).toEqual(a.out.handles.map((h) => h.name));
    expect(observe(linker)).toEqual(observe(a.linker));
  });

  it('a replayed program goes on like a linked one: dlsym, dlopen, dlclose and their digests', async () => {
    const a = await first();
    const { linker } = await hostLinker(toolchain);
    const b = await linkWithPlan(linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: a.out.plan });
    expect(b.replayed).toBe(true);
    for (const [l, handles] of [
      [a.linker, a.out.handles],
      [linker, b.handles],
    ] as const) {
      const weak = await l.dlopen('libweak.so', RTLD.NOW);
      expect(call(l, weak, 'weak_check')).toBe(0);
      l.dlclose(weak);
      l.dlclose(handles[0]!); // libdiamond.so, and the NEEDED libraries nothing else keeps
    }
    expect(linker.handleOf('libdiamond.so')).toBeUndefined();
    expect(linker.digest()).toEqual(a.linker.digest());
    expect(linker.dlsym(linker.handleOf('libreloc.so')!, 'r_value')).toEqual(
      a.linker.dlsym(a.linker.handleOf('libreloc.so')!, 'r_value'),
    );
  });

  it('a changed library, other flags or another host are not replayed: a normal link and a new plan', async () => {
    const a = await first();
    const plan = a.out.plan!;
    const files = { ...sideFiles(toolchain) };
    const other: Toolchain = toolchain === 'clang16' ? 'emcc' : 'clang16';
    files['libneed_a.so'] = sideFiles(other)['libneed_a.so']!;
    const changed = await hostLinker(toolchain, { loader: memoryLoader(files) });
    const c = await linkWithPlan(changed.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan });
    expect([c.replayed, c.stale]).toEqual([false, expect.stringMatching(/libneed_a\.so changed/)]);
    expect(c.plan?.libraries.find((l) => l.name === 'libneed_a.so')?.hash).not.toBe(
      plan.libraries.find((l) => l.name === 'libneed_a.so')?.hash,
    );
    expect(call(changed.linker, RTLD_DEFAULT, 'need_b_check')).toBe(0);

    const flags = await hostLinker(toolchain);
    const f = await linkWithPlan(flags.linker, ROOTS, RTLD.LAZY | RTLD.GLOBAL, { plan });
    expect([f.replayed, f.stale]).toEqual([false, 'other flags']);

    const fewer = await hostLinker(toolchain, {
      editHost: (fns) => Object.fromEntries(Object.entries(fns).filter(([n]) => n !== 'host_log')),
    });
    const h = await linkWithPlan(fewer.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan });
    expect([h.replayed, h.stale]).toEqual([false, expect.stringMatching(/host functions/)]);
    expect(observe(fewer.linker)).toMatchObject({ checks: [0, 0, 0, 0, 0, 0] });
  });

  it('a replay whose outcome differs from its plan is rolled back and linked normally: never a wrong link', async () => {
    const a = await first();
    const plan = a.out.plan!;
    const [lib0, ...rest] = plan.libraries;
    const forged = {
      ...plan,
      libraries: [{ ...lib0!, outcome: { ...lib0!.outcome, memoryBase: lib0!.outcome.memoryBase + 16 } }, ...rest],
    };
    const events: string[] = [];
    const { linker } = await hostLinker(toolchain, { onEvent: (e) => events.push(e.type) });
    const out = await linkWithPlan(linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: forged });
    expect([out.replayed, out.stale]).toEqual([false, expect.stringMatching(/differs from its plan/)]);
    expect(events).toContain('failed'); // the replay, rolled back before anything ran
    // The same link (its libraries take new ids: a failed load's ids are not reused, as always).
    const layout = (l: typeof linker): unknown => {
      const { memory, table, slots, got } = JSON.parse(l.digest()) as Record<string, unknown>;
      return { memory, table, slots, got, checks: CHECKS.map((name) => call(l, RTLD_DEFAULT, name)) };
    };
    expect(layout(linker)).toEqual(layout(a.linker));
  });

  it('a linker with a runtime adapter records and replays a plan; the runtime admits every library on a replay too', async () => {
    const admitted: string[] = [];
    const runtime = {
      admit: (l: { readonly name: string }) => {
        admitted.push(l.name);
      },
    };
    const a = await hostLinker(toolchain, { runtime });
    const out = await linkWithPlan(a.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL);
    expect(out.plan).not.toBeNull();
    const recorded = admitted.splice(0).sort();
    expect(recorded).toHaveLength(8);
    const b = await hostLinker(toolchain, { runtime });
    const again = await linkWithPlan(b.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: out.plan });
    expect(again.replayed).toBe(true);
    expect(admitted.sort()).toEqual(recorded);
    expect(observe(b.linker)).toEqual(observe(a.linker));
    // A runtime refusing a library on the replay fails the load as a normal link would: nothing remains.
    const refusing = {
      admit: (l: { readonly name: string }) => {
        if (l.name === 'libctor.so') throw new DlError('DL_EVAL_REQUIRED', 'refused', { library: l.name });
      },
    };
    const c = await hostLinker(toolchain, { runtime: refusing });
    const err = await rejection(linkWithPlan(c.linker, ROOTS, RTLD.NOW | RTLD.GLOBAL, { plan: out.plan }));
    expect([err.code, err.library]).toEqual(['DL_EVAL_REQUIRED', 'libctor.so']);
    expect(c.linker.graph().libraries).toEqual([]);
  });

  it('a plan from a store: written after the first link, replayed from it, a damaged one dropped', async () => {
    const store = memoryPlanStore();
    const a = await hostLinker(toolchain);
    expect((await linkWithPlan(a.linker, ROOTS, undefined, { store, key: 'app' })).replayed).toBe(false);
    const b = await hostLinker(toolchain);
    expect((await linkWithPlan(b.linker, ROOTS, undefined, { store, key: 'app' })).replayed).toBe(true);
    const kept = (await store.get('app'))!;
    await store.put('app', kept.subarray(0, kept.length - 3));
    const c = await hostLinker(toolchain);
    const out = await linkWithPlan(c.linker, ROOTS, undefined, { store, key: 'app' });
    expect([out.replayed, out.stale]).toEqual([
      false,
      expect.stringMatching(/dropped: link plan: its libraries do not decode/),
    ]);
    expect(decodePlan((await store.get('app'))!).libraries).toHaveLength(8);
  });
});

describe('plan bytes', () => {
  it('round-trip every metadata field a replay reads, an i64 constant initialiser included', async () => {
    const { linker } = await hostLinker('emcc');
    const { plan } = await linkWithPlan(linker, ROOTS);
    const lib = plan!.libraries[0]!;
    const big = {
      kind: 'global' as const,
      name: 'big',
      type: { valueType: 'i64', mutable: false },
      init: { op: 'i64.const', value: -(2n ** 62n) },
    };
    const edited = { ...plan!, libraries: [{ ...lib, meta: { ...lib.meta, exports: [...lib.meta.exports, big] } }] };
    expect(decodePlan(encodePlan(edited))).toEqual(edited);
    expect(decodePlan(encodePlan(plan!))).toEqual(plan);
  });

  it('are refused with DL_PLAN_FOREIGN or DL_PLAN_CORRUPT, with the offset', async () => {
    const caughtBy = (bytes: Uint8Array | string): DlError | undefined => {
      try {
        decodePlan(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
      } catch (e) {
        return e as DlError;
      }
      return undefined;
    };
    const code = (bytes: Uint8Array | string): string => caughtBy(bytes)?.code ?? 'decoded';
    expect(code(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBe('DL_PLAN_FOREIGN');
    expect(code(new Uint8Array([0xff, 0xfe]))).toBe('DL_PLAN_FOREIGN');
    // A version 2 plan was JSON.
    expect(code('{"format":"dl-link-plan","version":2,"fingerprint":""}')).toBe('DL_PLAN_FOREIGN');
    const { linker } = await hostLinker('clang16');
    const good = encodePlan((await linkWithPlan(linker, ['libneed_a.so'])).plan!);
    expect(decodePlan(good).libraries).toHaveLength(1);
    const older = good.slice();
    older[7] = 2;
    expect(caughtBy(older)?.message).toMatch(/link plan version 2; this linker reads version 3/);
    const length = new DataView(good.buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(good.subarray(12, 12 + length))) as Record<string, unknown>;
    /** The good plan with its header edited (its bulk as it was). */
    const edited = (edit: (h: Record<string, unknown>) => void): Uint8Array => {
      const h = structuredClone(header);
      edit(h);
      const text = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(12 + text.length + good.length - 12 - length);
      out.set(good.subarray(0, 8));
      new DataView(out.buffer).setUint32(8, text.length, true);
      out.set(text, 12);
      out.set(good.subarray(12 + length), 12 + text.length);
      return out;
    };
    expect(code(good.subarray(0, 20))).toBe('DL_PLAN_CORRUPT');
    expect(code(edited((h) => (h.libraries = [{}])))).toBe('DL_PLAN_CORRUPT');
    expect(code(edited((h) => delete h.extras))).toBe('DL_PLAN_CORRUPT');
    // What a replay trusts about a library's memory and table slots must be of their shape.
    type Meta = Record<string, unknown>;
    const meta = (h: Record<string, unknown>): Meta => (h.libraries as Meta[])[0]!.meta as Meta;
    expect(code(edited((h) => (meta(h).dataWritten = -1)))).toBe('DL_PLAN_CORRUPT');
    expect(code(edited((h) => (meta(h).dataWritten = '12')))).toBe('DL_PLAN_CORRUPT');
    expect(code(edited((h) => (meta(h).slotTypes = { offsets: [0], types: [] })))).toBe('DL_PLAN_CORRUPT');
    expect(code(edited((h) => delete meta(h).dataWritten))).toBe('decoded');
    // A type a later load would check a signature against must be one.
    expect(code(edited((h) => ((h.types as unknown[])[0] = 5)))).toBe('DL_PLAN_CORRUPT');
    expect(code(edited((h) => ((h.types as unknown[])[0] = { kind: 'func', params: [1], results: [] })))).toBe(
      'DL_PLAN_CORRUPT',
    );
    // An import naming a shape the plan does not have: found in the bulk, at its byte.
    const noShapes = edited((h) => (h.shapes = []));
    const shapeless = caughtBy(noShapes);
    expect([shapeless?.code, shapeless?.message]).toEqual([
      'DL_PLAN_CORRUPT',
      expect.stringMatching(/import shape 0 is out of range/),
    ]);
    const bulkAt = 12 + new DataView(noShapes.buffer).getUint32(8, true);
    expect(shapeless?.offset).toBeGreaterThan(bulkAt);
    expect(shapeless?.offset).toBeLessThan(noShapes.length);
    // A bulk cut short, or one with bytes after its last library.
    const cut = caughtBy(good.subarray(0, good.length - 1));
    expect(cut?.code).toBe('DL_PLAN_CORRUPT');
    // At the number it was reading (its first byte): the last one, at most 5 bytes long.
    expect(cut?.offset).toBeGreaterThanOrEqual(good.length - 6);
    expect(cut?.offset).toBeLessThan(good.length - 1);
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    expect(caughtBy(longer)?.message).toMatch(/2 bytes after the last library/);
    const err = await rejection(linkWithPlan(linker, ROOTS, undefined, { plan: new TextEncoder().encode('[]') }));
    expect(err.code).toBe('DL_PLAN_FOREIGN');
    expect(linker.graph().libraries.map((l) => l.name)).toEqual(['libneed_a.so']);
  });

  it('mutated (bit flips, cuts, inserted bytes; mostly in the bulk) decode or are refused with a plan code — never another error', async () => {
    const { linker } = await hostLinker('clang16');
    const good = encodePlan((await linkWithPlan(linker, ROOTS)).plan!);
    const bulkAt = 12 + new DataView(good.buffer).getUint32(8, true);
    let state = 0x9e3779b9;
    const random = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      let bytes = good.slice();
      const at = i % 3 === 0 ? random(bytes.length) : bulkAt + random(bytes.length - bulkAt);
      const kind = random(3);
      if (kind === 0) bytes[at] = bytes[at]! ^ (1 << random(8));
      else if (kind === 1) bytes = bytes.subarray(0, at);
      else bytes = Uint8Array.from([...bytes.subarray(0, at), random(256), ...bytes.subarray(at)]);
      let outcome = 'decoded';
      try {
        encodePlan(decodePlan(bytes));
      } catch (e) {
        if (!(e instanceof DlError)) throw new Error(`mutation ${i} (${kind} at ${at}): ${String(e)}`);
        outcome = e.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Which codes the random mutations meet depends on the plan's size; every one is a plan code.
    expect(['DL_PLAN_CORRUPT', 'DL_PLAN_FOREIGN', 'decoded']).toEqual(expect.arrayContaining([...outcomes.keys()]));
    expect(outcomes.get('DL_PLAN_CORRUPT')).toBeGreaterThan(500);
    expect(outcomes.get('decoded')).toBeGreaterThan(0);
    // A flipped bit in the first byte (the format's mark) makes it another format's bytes.
    const foreign = good.slice();
    foreign[0] = foreign[0]! ^ 1;
    expect(() => decodePlan(foreign)).toThrow(expect.objectContaining({ code: 'DL_PLAN_FOREIGN' }));
  });
});
