/**
 * Runs in Chromium (bundled by browser.test.ts): a relocatable main and side modules with a
 * NEEDED chain and RUNTIME_PATH, all through the fetch loader, compiling while downloading.
 */
import { reportResult } from '@dl/browser/page';
import { createLinker, RTLD } from '@dl/linker';
import type { Linker } from '@dl/linker';
import { fetchLoader } from './fetch-loader.js';
import { ModuleCache } from './cache.js';
import type { LoaderEvent } from './progress.js';

const call = (linker: Linker, name: string): number => {
  const s = linker.dlsym(null, name);
  if (s.kind !== 'function') throw new Error(`${name} is not a function`);
  return (s.func as () => number)();
};

reportResult(async () => {
  const streamed: string[] = [];
  const compileStreaming = WebAssembly.compileStreaming.bind(WebAssembly);
  WebAssembly.compileStreaming = async (source) => {
    streamed.push((await source).url);
    return compileStreaming(source);
  };
  const events: (LoaderEvent & { at: number })[] = [];
  const base = new URL('/lib/', location.href).href;
  const loader = fetchLoader({
    base,
    cache: new ModuleCache(),
    onProgress: (e) => {
      events.push({ ...e, at: performance.now() });
    },
  });
  const mainUrl = new URL('main.wasm', base).href;
  const main = new Uint8Array(await (await fetch(mainUrl)).arrayBuffer());
  const linker = await createLinker({ program: { kind: 'relocatable', module: main, location: mainUrl }, loader });
  const mainRun = call(linker, 'main_run');
  await linker.dlopen('libneed_c.so', RTLD.NOW | RTLD.GLOBAL);
  await linker.dlopen('rpath/librpath_user.so', RTLD.NOW | RTLD.GLOBAL);
  return {
    checks: {
      main_run: mainRun,
      need_c_check: call(linker, 'need_c_check'),
      rpath_user_check: call(linker, 'rpath_user_check'),
    },
    libraries: linker.graph().libraries.map((l) => ({ name: l.name, location: l.location })),
    streamed,
    events,
  };
});
