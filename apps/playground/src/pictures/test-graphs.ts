/**
 * Test support: real link graphs, made by linking the fixture corpus into a JS host program
 * (the host API of c/host_api.h), as packages/linker/src/test-support.harness.ts does.
 */
import { sideModuleFiles } from '@dl/fixtures';
import type { Toolchain } from '@dl/fixtures';
import { jsHostApi } from '@dl/fixtures/js-host';
import { createLinkerSync, memoryLoader, RTLD, RTLD_DEFAULT } from '@dl/linker';
import type { Linker, LinkGraph } from '@dl/linker';

/** A linker whose program is the JS host, loading the toolchain's side-module fixtures by name. */
export function fixtureLinker(toolchain: Toolchain = 'emcc', extra: Readonly<Record<string, Uint8Array>> = {}): Linker {
  const holder: { linker?: Linker } = {};
  const address = (name: string): number => {
    const s = holder.linker!.dlsym(RTLD_DEFAULT, name);
    if (s.kind === 'global') throw new Error(`${name} has no address`);
    return s.address;
  };
  const host = jsHostApi({
    memory: () => holder.linker!.memory,
    table: () => holder.linker!.table,
    dataAddress: address,
    functionAddress: address,
  });
  holder.linker = createLinkerSync({
    loader: memoryLoader({ ...sideModuleFiles(toolchain), ...extra }),
    program: { kind: 'host', functions: host.functions, data: host.data },
  });
  return holder.linker;
}

/** One `dlopen` of a test: the library and its flags. */
export type Open = readonly [name: string, flags: number];

/** The graph after opening `opens` in order; `extra` adds files to the loader (e.g. a fixture under a hostile name). */
export function graphAfter(
  opens: readonly Open[],
  toolchain: Toolchain = 'emcc',
  extra: Readonly<Record<string, Uint8Array>> = {},
): LinkGraph {
  const linker = fixtureLinker(toolchain, extra);
  for (const [name, flags] of opens) linker.dlopenSync(name, flags);
  return linker.graph();
}

/** libneed_c.so → libneed_b.so → libneed_a.so, global. */
export const neededChain = (toolchain: Toolchain = 'emcc'): LinkGraph =>
  graphAfter([['libneed_c.so', RTLD.NOW | RTLD.GLOBAL]], toolchain);

/** libcycle_a.so ⇄ libcycle_b.so, lazy. */
export const cycle = (): LinkGraph => graphAfter([['libcycle_a.so', RTLD.LAZY | RTLD.GLOBAL]]);

/** libweak_strong.so global, then libneed_c.so RTLD_LOCAL (a group: a, b, c) and libreloc.so RTLD_LOCAL (another). */
export const localGroups = (): LinkGraph =>
  graphAfter([
    ['libweak_strong.so', RTLD.NOW | RTLD.GLOBAL],
    ['libneed_c.so', RTLD.NOW | RTLD.LOCAL],
    ['libreloc.so', RTLD.NOW | RTLD.LOCAL],
  ]);

/** libweak_weakdef.so NEEDs libweak_strong.so: the strong definitions interpose the weak ones. */
export const weakPair = (): LinkGraph => graphAfter([['libweak_weakdef.so', RTLD.NOW | RTLD.GLOBAL]]);

/** libweak.so against the host's strong weak_hook; libweak_undef.so's weak undefined imports. */
export const weakHostAndUndefined = (): LinkGraph =>
  graphAfter([
    ['libweak.so', RTLD.NOW | RTLD.GLOBAL],
    ['libweak_undef.so', RTLD.LAZY | RTLD.GLOBAL],
  ]);

/** A name no file should have: markup, quotes, an ampersand. */
export const hostileName = '<script>alert("x&y")</script>\'.so';

/** libneed_b.so's bytes opened under {@link hostileName}: it NEEDs libneed_a.so. */
export const hostile = (): LinkGraph => {
  const bytes = sideModuleFiles('emcc')['libneed_b.so']!;
  return graphAfter([[hostileName, RTLD.NOW | RTLD.GLOBAL]], 'emcc', { [hostileName]: bytes });
};

/** The host alone: memory reserved for its data, no library. */
export const hostOnly = (): LinkGraph => fixtureLinker().graph();

/** A graph with nothing at all (no memory, no table), as a page shows before any link. */
export const nothing: LinkGraph = {
  libraries: [],
  scopes: [],
  interpositions: [],
  memory: { bytes: 0, reservations: [] },
  table: { length: 0, ranges: [] },
};
