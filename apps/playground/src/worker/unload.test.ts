import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileSet } from './files.js';
import { LinkSession } from './link.js';
import type { ChangeOutcome, LibraryChoice, LinkOutcome, PostedEvent } from './protocol.js';

const fixtures = new URL('../../../../tooling/fixtures/wasm/clang16/', import.meta.url);

async function opened(...names: string[]): Promise<FileSet> {
  const files = new FileSet();
  const toOpen = await Promise.all(
    names.map(async (name) => ({
      name,
      source: { kind: 'blob' as const, blob: new Blob([await readFile(new URL(name, fixtures))]) },
    })),
  );
  await files.open(toOpen, () => undefined);
  return files;
}

const now = (name: string, reloadable = false): LibraryChoice => ({
  name,
  binding: 'now',
  scope: 'global',
  ...(reloadable ? { reloadable: true } : {}),
});

/** The playground's unload-reload example, linked. */
async function linked(): Promise<{ files: FileSet; session: LinkSession; outcome: LinkOutcome }> {
  const files = await opened(
    'libunload.so',
    'libreload.so',
    'libreload_caller.so',
    'libreload_v2.so',
    'libreload_sig.so',
    'libreload_ctor.so',
  );
  const session = new LinkSession();
  const outcome = await session.link(
    files,
    { kind: 'host' },
    [now('libunload.so'), now('libreload.so', true), now('libreload_caller.so')],
    () => undefined,
  );
  return { files, session, outcome };
}

const names = (outcome: ChangeOutcome): string[] => outcome.link?.graph.libraries.map((l) => l.name) ?? [];

describe('function pointers in the playground worker', () => {
  it('&f is the slot the linker gives; calling it goes through call_indirect, and a wrong type traps with the slot named', async () => {
    const files = await opened('libneed_a.so', 'libneed_b.so', 'libneed_c.so');
    const session = new LinkSession();
    await session.link(files, { kind: 'host' }, [now('libneed_c.so')], () => undefined);
    const pointer = session.address('libneed_c.so', 'need_c');
    expect(pointer).toMatchObject({ library: 'libneed_c.so', name: 'need_c', params: ['i32'], results: ['i32'] });
    expect(session.address('libneed_c.so', 'need_c').slot).toBe(pointer.slot);
    expect(session.callPointer(pointer, ['2'])).toMatchObject({ ok: true, result: '15 (0xf)' });
    const mistyped = session.callPointer({ ...pointer, params: [] }, []);
    expect(mistyped).toMatchObject({
      ok: false,
      error: { name: 'RuntimeError' },
      slot: { slot: pointer.slot, state: 'held' },
    });
    expect(session.callPointer(pointer, [])).toMatchObject({
      ok: false,
      error: { name: 'TypeError', message: 'the pointer takes 1 arguments, 0 given' },
    });
  });
});

describe('unloading in the playground worker (issue 12)', () => {
  it('Close unloads libunload.so: destructors and hook noted, memory freed, its slots quarantined, a stale pointer traps and names its slot', async () => {
    const { files, session, outcome } = await linked();
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.opened).toEqual(['libunload.so', 'libreload.so', 'libreload_caller.so']);
    expect(outcome.unloaded).toEqual({ libraries: [], freedMemory: [], quarantinedSlots: [] });
    const reserved = outcome.graph.memory.reservations.filter((r) => r.owner === 'libunload.so');
    expect(reserved.length).toBeGreaterThan(0);
    const pointer = session.address('libunload.so', 'unload_twice');
    expect(session.callPointer(pointer, ['21'])).toMatchObject({ ok: true, result: '42 (0x2a)' });

    const events: PostedEvent[] = [];
    const closed = await session.close(files, 'libunload.so', (e) => events.push(e));
    expect(closed.ok).toBe(true);
    expect(names(closed)).toEqual(['libreload.so', 'libreload_caller.so']);
    const unloads = events.filter((e): e is Extract<PostedEvent, { type: 'unload' }> => e.type === 'unload');
    expect(unloads.map((e) => e.library)).toEqual(['libunload.so']);
    // Destructors newest first (the C destructor 903, registered after the constructor ran, then
    // the constructor's 902 and 901), then the unload hook — as @dl/linker's unload tests say.
    expect(closed.link?.host.notes).toEqual([100, 903, 902, 901, 950]);
    const unloaded = closed.link!.unloaded;
    expect(unloaded.libraries).toEqual(['libunload.so']);
    expect(unloaded.freedMemory).toEqual(reserved.map((r) => ({ owner: r.owner, address: r.address, size: r.size })));
    expect(unloaded.quarantinedSlots).toContainEqual(
      expect.objectContaining({ owner: 'libunload.so', base: expect.any(Number) as number }),
    );
    const covered = unloaded.quarantinedSlots.some(
      (q) => q.owner === 'libunload.so' && q.base <= pointer.slot && pointer.slot < q.base + q.size,
    );
    expect(covered).toBe(true);

    const stale = session.callPointer(pointer, ['21']);
    expect(stale).toMatchObject({
      ok: false,
      error: { name: 'RuntimeError' },
      slot: { slot: pointer.slot, state: 'quarantined', owner: 'libunload.so' },
    });
    expect(!stale.ok && stale.error.message).toMatch(/null/);
    // Closing it again: the link no longer has it.
    expect(await session.close(files, 'libunload.so', () => undefined)).toMatchObject({
      ok: false,
      error: { code: 'DL_BAD_HANDLE' },
    });
  });

  it('Reload swaps libreload.so: the stored pointer calls the new code; refused builds leave the old one running', async () => {
    const { files, session, outcome } = await linked();
    expect(outcome.ok).toBe(true);
    expect(session.call('libreload_caller.so', 'caller_stored', [])).toMatchObject({ ok: true, result: '1 (0x1)' });
    const refused = await session.reload(files, 'libreload.so', 'libreload_sig.so', () => undefined);
    expect(refused).toMatchObject({ ok: false, error: { code: 'DL_RELOAD_INCOMPATIBLE' } });
    const trapped = await session.reload(files, 'libreload.so', 'libreload_ctor.so', () => undefined);
    expect(trapped).toMatchObject({ ok: false, error: { code: 'DL_INIT_FAILED' } });
    expect(session.call('libreload_caller.so', 'caller_stored', [])).toMatchObject({ ok: true, result: '1 (0x1)' });

    const events: PostedEvent[] = [];
    const reloaded = await session.reload(files, 'libreload.so', 'libreload_v2.so', (e) => events.push(e));
    expect(reloaded.ok).toBe(true);
    expect(names(reloaded)).toEqual(expect.arrayContaining(['libunload.so', 'libreload.so', 'libreload_caller.so']));
    expect(events.some((e) => e.type === 'reload' && e.library === 'libreload.so')).toBe(true);
    expect(session.call('libreload_caller.so', 'caller_stored', [])).toMatchObject({ ok: true, result: '2 (0x2)' });
    expect(session.call('libreload.so', 'reload_version', [])).toMatchObject({ ok: true, result: '2 (0x2)' });
    // A reload is not an unload: nothing listed as unloaded, the old build's data given back.
    expect(reloaded.link?.unloaded.libraries).toEqual([]);
  });

  it('Close of a library loaded only as a dependency is refused: close what needs it', async () => {
    const files = await opened('libunload.so', 'libunload_user.so');
    const session = new LinkSession();
    await session.link(files, { kind: 'host' }, [now('libunload_user.so')], () => undefined);
    expect(await session.close(files, 'libunload.so', () => undefined)).toMatchObject({
      ok: false,
      error: {
        code: 'DL_BAD_HANDLE',
        message: 'libunload.so: loaded as a dependency, not opened by the link: close what needs it',
      },
    });
    const closed = await session.close(files, 'libunload_user.so', () => undefined);
    expect(names(closed)).toEqual([]);
    expect(closed.link?.unloaded.libraries).toEqual(['libunload_user.so', 'libunload.so']);
  });
});
