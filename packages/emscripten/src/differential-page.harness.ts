/**
 * Runs in Chromium (bundled by differential.browser.test.ts): one web build of a differential
 * suite program. Fetches the generated JS, evaluates it with a `Module` whose `print`/`printErr`
 * collect the output (`Module.dl` = this package, bundled from source, for the facade builds), and
 * reports what it printed and how it ended. The page lives in the program's directory, so the
 * program's relative URLs (its .wasm, its side modules) are the directory's files.
 */
import { reportResult } from '@dl/browser/page';
import * as dl from './index.js';

/** What the test tells the page (an esbuild `define`). */
interface PageConfig {
  /** The generated JS, relative to the page. */
  readonly js: string;
  readonly facade: boolean;
  /** Side modules to put in Emscripten's FS before main() runs (where a synchronous dlopen looks). */
  readonly fs: readonly string[];
  readonly dynamicLibraries: readonly string[];
  readonly timeoutMs: number;
}

/** How the run ended, and what it printed. */
export interface PageOutcome {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status; null when it never exited (timeout). */
  readonly status: number | null;
  /** What ended it when it was not exit(): an uncaught error, an abort, a rejection. */
  readonly error: string | null;
}

declare const EMSUITE_CONFIG: PageConfig;

declare global {
  var __emsuiteMain: ((Module: Record<string, unknown>) => void) | undefined;
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

reportResult(async (): Promise<PageOutcome> => {
  const config = EMSUITE_CONFIG;
  const files = await Promise.all(
    config.fs.map(async (name) => [name, new Uint8Array(await (await fetch(name)).arrayBuffer())] as const),
  );
  const code = await (await fetch(config.js)).text();
  // A classic script (the glue is not strict-mode code), wrapped so it runs with our Module.
  const script = document.createElement('script');
  script.textContent = `globalThis.__emsuiteMain = function (Module) {\n${code}\n};`;
  document.head.append(script);
  const main = globalThis.__emsuiteMain;
  if (main === undefined) throw new Error(`${config.js} did not evaluate`);

  // A pthread's uncaught error reaches the page twice: Emscripten's worker.onerror prints it and
  // throws it on (caught below), and, unless cancelled, as the worker's own error, which would end
  // the page before that: cancelled here, so the outcome is the program's, whichever comes first.
  const NativeWorker = globalThis.Worker;
  globalThis.Worker = class extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('error', (e) => {
        e.preventDefault();
      });
    }
  };

  const out: string[] = [];
  const err: string[] = [];
  return new Promise<PageOutcome>((resolve) => {
    let settled = false;
    const finish = (status: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');
      resolve({ stdout: text(out), stderr: text(err), status, error });
    };
    setTimeout(() => {
      finish(null, `no exit after ${config.timeoutMs} ms`);
    }, config.timeoutMs);
    addEventListener('error', (e) => {
      e.preventDefault();
      finish(1, describeError(e.error));
    });
    addEventListener('unhandledrejection', (e) => {
      e.preventDefault();
      finish(1, describeError(e.reason));
    });
    const Module: Record<string, unknown> = {
      print: (line: string) => {
        out.push(line);
      },
      printErr: (line: string) => {
        err.push(line);
      },
      dynamicLibraries: [...config.dynamicLibraries],
      // A -pthread program's workers load the program's script again: ours was evaluated inline.
      mainScriptUrlOrBlob: config.js,
      preRun: [
        () => {
          const create = Module.FS_createDataFile as (
            parent: string,
            name: string,
            data: Uint8Array,
            read: boolean,
            write: boolean,
            own: boolean,
          ) => void;
          for (const [name, bytes] of files) create('/', name, bytes, true, false, false);
        },
      ],
      // The runtime really exits (not when main() returns with work pending, as an emscripten_dlopen).
      onExit: (status: number) => {
        finish(status, null);
      },
      onAbort: (what: unknown) => {
        finish(1, `abort: ${describeError(what)}`);
      },
      // Emscripten's quit_: exit() passes an ExitStatus, which must be thrown on (it unwinds the
      // program, also when the runtime stays alive); a crash passes the error, reported here
      // instead of becoming a page error.
      quit: (status: number, toThrow: unknown) => {
        if ((toThrow as { name?: unknown } | null)?.name === 'ExitStatus') throw toThrow;
        finish(status, describeError(toThrow));
      },
    };
    if (config.facade) Module.dl = dl;
    main(Module);
  });
});
