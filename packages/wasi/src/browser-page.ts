/**
 * Runs in Chromium (bundled by @dl/browser): a wasi-libc main under @bjorn3/browser_wasi_shim
 * with dlopen on @dl — the libraries fetched before the program starts (C's dlopen is
 * synchronous) and given through an in-memory loader. The job (main URL, library names, argv)
 * is set as `globalThis.__wasiJob` before this module runs.
 */
import { ConsoleStdout, File, OpenFile, WASI } from '@bjorn3/browser_wasi_shim';
import { reportResult } from '@dl/browser/page';
import { memoryLoader } from '@dl/linker';
import { instantiateWasiMain } from './instantiate.js';

/** What the test asks the page to run. */
export interface WasiJob {
  readonly main: string;
  /** Library file names, fetched from `/lib/<name>`. */
  readonly libraries: readonly string[];
  readonly args: readonly string[];
}

/** What the page reports. */
export interface WasiPageResult {
  readonly stdout: string;
  readonly exitCode: number;
  readonly libraries: readonly string[];
}

reportResult(async (): Promise<WasiPageResult> => {
  const job = (globalThis as unknown as { __wasiJob: WasiJob }).__wasiJob;
  const bytes = async (url: string): Promise<Uint8Array<ArrayBuffer>> => new Uint8Array(await (await fetch(url)).arrayBuffer());
  const [module, ...libraries] = await Promise.all([
    WebAssembly.compileStreaming(fetch(job.main)),
    ...job.libraries.map((name) => bytes(`/lib/${name}`)),
  ]);
  const files: Record<string, Uint8Array<ArrayBuffer>> = {};
  job.libraries.forEach((name, i) => { files[name] = libraries[i]!; });
  const out: Uint8Array[] = [];
  const wasi = new WASI([...job.args], [], [new OpenFile(new File([])), new ConsoleStdout((chunk) => { out.push(chunk); }), ConsoleStdout.lineBuffered((line) => { console.warn(line); })]);
  const { instance, linker } = instantiateWasiMain(module, { loader: memoryLoader(files), wasiImport: wasi.wasiImport });
  const exitCode = wasi.start(instance as unknown as Parameters<WASI['start']>[0]);
  const text = new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c])));
  return { stdout: text, exitCode, libraries: linker.graph().libraries.map((l) => l.name) };
});
