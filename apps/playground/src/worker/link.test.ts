import { readFile } from 'node:fs/promises';
import { custom, memInfo, subsection, wasmModule } from '@dl/fixtures/writer';
import { describe, expect, it } from 'vitest';
import { FileSet } from './files.js';
import { LinkSession } from './link.js';
import type { FileToOpen, PostedEvent } from './protocol.js';

const fixture = async (name: string): Promise<FileToOpen> => ({
  name,
  source: {
    kind: 'blob',
    blob: new Blob([await readFile(new URL(`../../../../tooling/fixtures/wasm/clang16/${name}`, import.meta.url))]),
  },
});

async function opened(...names: string[]): Promise<FileSet> {
  const files = new FileSet();
  await files.open(await Promise.all(names.map(fixture)), () => undefined);
  return files;
}

describe('LinkSession', () => {
  it('links the NEEDED chain into the JS host, posts cloneable events and calls across libraries', async () => {
    const files = await opened('libneed_a.so', 'libneed_b.so', 'libneed_c.so');
    const session = new LinkSession();
    const events: PostedEvent[] = [];
    const outcome = await session.link(
      files,
      { kind: 'host' },
      [{ name: 'libneed_c.so', binding: 'now', scope: 'global' }],
      (e) => events.push(e),
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.graph.libraries.map((l) => l.name)).toEqual(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
    expect(structuredClone({ outcome, events })).toEqual({ outcome, events });
    const done = events.filter((e): e is Extract<PostedEvent, { type: 'done' }> => e.type === 'done');
    expect(done).toHaveLength(1);
    expect(Object.keys(done[0]!.phases)).toEqual(expect.arrayContaining(['compile', 'instantiate']));
    expect(
      outcome.functions
        .filter((f) => f.library === 'libneed_a.so')
        .map((f) => f.name)
        .sort(),
    ).toEqual(['need_a', 'need_a_check']);
    // need_a_check lives in a library nobody opened by name: its handle comes from handleOf,
    // which takes no reference (RTLD_NOLOAD would count one).
    expect(session.call('libneed_a.so', 'need_a_check', [])).toMatchObject({ ok: true, result: '0 (0x0)' });
    expect(session.call('libneed_c.so', 'need_c', ['2'])).toMatchObject({ ok: true, result: '15 (0xf)' });
    expect(session.call('libneed_c.so', 'need_c', [])).toMatchObject({
      ok: false,
      error: { code: null, name: 'TypeError', message: 'need_c takes 1 argument, 0 given' },
    });
    expect(session.call('libneed_c.so', 'nope', [])).toMatchObject({
      ok: false,
      error: { code: 'DL_UNDEFINED_SYMBOL' },
    });
  });

  it('runs C++ constructors that call the host, and reports what the host recorded', async () => {
    const session = new LinkSession();
    const outcome = await session.link(
      await opened('libctor.so'),
      { kind: 'host' },
      [{ name: 'libctor.so', binding: 'now', scope: 'global' }],
      () => undefined,
    );
    expect(outcome.ok && outcome.host.notes).toEqual([200, 300, 1000]);
    expect(session.call('libctor.so', 'ctor_check', [])).toMatchObject({ ok: true, result: '0 (0x0)' });
  });

  it('links a relocatable main module with its NEEDED libraries', async () => {
    const session = new LinkSession();
    const outcome = await session.link(
      await opened('main.wasm', 'libreloc.so', 'libfptr.so'),
      { kind: 'main', name: 'main.wasm' },
      [],
      () => undefined,
    );
    expect(outcome.ok && outcome.graph.libraries.map((l) => l.name)).toEqual([
      'main.wasm',
      'libreloc.so',
      'libfptr.so',
    ]);
    expect(session.call('main.wasm', 'main_run', [])).toMatchObject({ ok: true, result: '0 (0x0)' });
  });

  it('a failed load reports its DlError code; what loaded before stays in the graph', async () => {
    const files = await opened('libneed_a.so', 'libneed_c.so');
    const session = new LinkSession();
    const outcome = await session.link(
      files,
      { kind: 'host' },
      [
        { name: 'libneed_a.so', binding: 'now', scope: 'global' },
        { name: 'libneed_c.so', binding: 'now', scope: 'global' },
      ],
      () => undefined,
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: 'DL_NOT_FOUND' } });
    // The missing library's error names who needed it and every place tried.
    expect(!outcome.ok && outcome.error.message).toBe(
      'libneed_b.so: library not found (needed by libneed_c.so); tried /libneed_b.so (not found)',
    );
    expect(!outcome.ok && outcome.graph?.libraries.map((l) => l.name)).toEqual(['libneed_a.so']);
  });

  it('a module asking for 4 GiB of memory is refused with DL_LIMIT before anything is allocated', async () => {
    const files = new FileSet();
    const hostile = wasmModule(custom('dylink.0', subsection(1, memInfo(0xffff_fff0, 4, 0, 0))));
    await files.open([{ name: 'libhuge.so', source: { kind: 'blob', blob: new Blob([hostile]) } }], () => undefined);
    const outcome = await new LinkSession().link(
      files,
      { kind: 'host' },
      [{ name: 'libhuge.so', binding: 'now', scope: 'global' }],
      () => undefined,
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: 'DL_LIMIT' } });
  });
});
