/**
 * Runs in Chromium (bundled by unload.browser.test.ts, started with --expose-gc): a library
 * and its NEEDED dependency (which imports the program's table) are opened, used and closed;
 * a FinalizationRegistry then sees both instances' exports collected — the linker keeps no
 * reference to an unloaded library.
 */
import { reportResult } from '@dl/browser/page';
import { jsHostApi } from '@dl/fixtures/js-host';
import { createLinkerSync, memoryLoader, RTLD } from './index.js';
import type { Linker } from './index.js';

declare const gc: () => void;

async function bytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`/lib/${name}`)).arrayBuffer());
}

reportResult(async () => {
  const files = { 'libunload.so': await bytes('libunload.so'), 'libunload_user.so': await bytes('libunload_user.so') };
  const holder: { linker?: Linker } = {};
  const address = (name: string): number => {
    const s = holder.linker!.dlsym(null, name);
    return s.kind === 'global' ? 0 : s.address;
  };
  const host = jsHostApi({
    memory: () => holder.linker!.memory,
    table: () => holder.linker!.table,
    dataAddress: address,
    functionAddress: address,
  });
  const linker = createLinkerSync({
    program: { kind: 'host', functions: host.functions, data: host.data },
    loader: memoryLoader(files),
  });
  holder.linker = linker;
  const gone: string[] = [];
  const registry = new FinalizationRegistry((name: string) => gone.push(name));
  let value = 0;
  ((): void => {
    const h = linker.dlopenSync('libunload_user.so', RTLD.NOW);
    registry.register(linker.exportsOf(h).exports, 'libunload_user.so');
    registry.register(linker.exportsOf(linker.handleOf('libunload.so')!).exports, 'libunload.so');
    const s = linker.dlsym(h, 'user_bump');
    value = s.kind === 'function' ? (s.func as () => number)() : -1;
    linker.dlclose(h);
  })();
  for (let i = 0; i < 50 && gone.length < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { value, gone: gone.sort(), libraries: linker.graph().libraries.length };
});
