/**
 * Runs in Chromium (bundled by @dl/browser): a wasi-libc main under @bjorn3/browser_wasi_shim
 * with dlopen on @dl — the libraries fetched before the program starts (C's dlopen is
 * synchronous) and given through an in-memory loader. The job (main URL, library names, argv)
 * is set as `globalThis.__wasiJob` before this module runs.
 */
import { ConsoleStdout, File, OpenFile, WASI, WASIProcExit } from '@bjorn3/browser_wasi_shim';
import { reportResult } from '@dl/browser/page';
import { memoryLoader } from '@dl/linker';
import { fetchLoader } from '@dl/loaders';
import { instantiateWasiMain } from './instantiate.js';

/** What the test asks the page to run. */
export interface WasiJob {
  readonly main: string;
  /** Library file names, fetched from `/lib/<name>`. */
  readonly libraries: readonly string[];
  readonly args: readonly string[];
  /** JSPI: nothing preloaded; dlopen suspends C while @dl fetches from `/lib/`. */
  readonly jspi?: boolean;
}

/** What the page reports. */
export interface WasiPageResult {
  readonly stdout: string;
  readonly exitCode: number;
  readonly libraries: readonly string[];
  /** The library files the page fetched. */
  readonly fetched: readonly string[];
}

reportResult(async (): Promise<WasiPageResult> => {
  const job = (globalThis as unknown as { __wasiJob: WasiJob }).__wasiJob;
  const fetched: string[] = [];
  const counting = (url: string, init?: RequestInit): Promise<Response> => {
    fetched.push(url.slice(url.lastIndexOf('/') + 1));
    return fetch(url, init);
  };
  const bytes = async (name: string): Promise<Uint8Array<ArrayBuffer>> =>
    new Uint8Array(await (await counting(`/lib/${name}`)).arrayBuffer());
  const module = await WebAssembly.compileStreaming(fetch(job.main));
  const files: Record<string, Uint8Array<ArrayBuffer>> = {};
  if (job.jspi !== true) for (const name of job.libraries) files[name] = await bytes(name);
  const out: Uint8Array[] = [];
  const wasi = new WASI(
    [...job.args],
    [],
    [
      new OpenFile(new File([])),
      new ConsoleStdout((chunk) => {
        out.push(chunk);
      }),
      ConsoleStdout.lineBuffered((line) => {
        console.warn(line);
      }),
    ],
    { debug: false },
  );
  const loader =
    job.jspi === true
      ? fetchLoader({ base: `${location.origin}/lib/`, fetch: counting, cache: null })
      : memoryLoader(files);
  const main = instantiateWasiMain(module, { loader, wasiImport: wasi.wasiImport, jspi: job.jspi === true });
  type ShimInstance = Parameters<WASI['start']>[0];
  let exitCode: number;
  if (main.startAsync === undefined) exitCode = wasi.start(main.instance as unknown as ShimInstance);
  else {
    wasi.initialize(main.instance as unknown as ShimInstance);
    try {
      await main.startAsync();
      exitCode = 0;
    } catch (e) {
      if (!(e instanceof WASIProcExit)) throw e;
      exitCode = e.code;
    }
  }
  const text = new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c])));
  return { stdout: text, exitCode, libraries: main.linker.graph().libraries.map((l) => l.name), fetched };
});
