/**
 * Runs in Chromium (bundled by sqlite.browser.test.ts): the Emscripten 3.1.6 SQLite build for
 * browsers (`emcc/sqlite-dl-web.js`, MAIN_MODULE=1 linked with @dl/emscripten's --js-library),
 * its dlopen on @dl/emscripten (`Module.dl`, bundled from source). The extensions are put in
 * Emscripten's FS (MEMFS, `/`) before main() runs — C's dlopen is synchronous. The page lives
 * beside the glue, so its relative URLs (the .wasm) resolve there.
 */
import { reportResult } from '@dl/browser/page';
import * as dl from '@dl/emscripten';

/** What the test asks the page to run (set as `globalThis.__emccJob` before this module). */
export interface EmccJob {
  /** The glue, relative to the page. */
  readonly js: string;
  /** Extension files fetched beside the page and written to `/<name>` in FS. */
  readonly libraries: readonly string[];
  /** The statements (argv[1..]). */
  readonly args: readonly string[];
}

/** What the page reports: what the program printed, and how it ended. */
export interface EmccPageResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status; null when it never exited. */
  readonly status: number | null;
  /** What ended it when it was not exit(): an uncaught error, an abort. */
  readonly error: string | null;
}

declare global {
  var __emccMain: ((Module: Record<string, unknown>) => void) | undefined;
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

reportResult(async (): Promise<EmccPageResult> => {
  const job = (globalThis as unknown as { __emccJob: EmccJob }).__emccJob;
  const files = await Promise.all(
    job.libraries.map(async (name) => [name, new Uint8Array(await (await fetch(name)).arrayBuffer())] as const),
  );
  const code = await (await fetch(job.js)).text();
  // A classic script (the glue is not strict-mode code), wrapped so it runs with our Module.
  const script = document.createElement('script');
  script.textContent = `globalThis.__emccMain = function (Module) {\n${code}\n};`;
  document.head.append(script);
  const main = globalThis.__emccMain;
  if (main === undefined) throw new Error(`${job.js} did not evaluate`);
  const out: string[] = [];
  const err: string[] = [];
  return new Promise<EmccPageResult>((resolve) => {
    let settled = false;
    const finish = (status: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');
      resolve({ stdout: text(out), stderr: text(err), status, error });
    };
    setTimeout(() => {
      finish(null, 'no exit after 30 s');
    }, 30_000);
    addEventListener('error', (e) => {
      e.preventDefault();
      finish(1, describeError(e.error));
    });
    addEventListener('unhandledrejection', (e) => {
      e.preventDefault();
      finish(1, describeError(e.reason));
    });
    const Module: Record<string, unknown> = {
      arguments: [...job.args],
      print: (line: string) => {
        out.push(line);
      },
      printErr: (line: string) => {
        err.push(line);
      },
      preRun: [
        () => {
          // MAIN_MODULE=1 exports the runtime's FS as Module.FS (3.1.6 has no FS_createDataFile on Module here).
          const fs = Module.FS as {
            createDataFile: (
              parent: string,
              name: string,
              data: Uint8Array,
              read: boolean,
              write: boolean,
              own: boolean,
            ) => void;
          };
          for (const [name, bytes] of files) fs.createDataFile('/', name, bytes, true, false, false);
        },
      ],
      onExit: (status: number) => {
        finish(status, null);
      },
      onAbort: (what: unknown) => {
        finish(1, `abort: ${describeError(what)}`);
      },
      // exit() passes an ExitStatus, which must be thrown on (it unwinds the program); a crash is reported.
      quit: (status: number, toThrow: unknown) => {
        if ((toThrow as { name?: unknown } | null)?.name === 'ExitStatus') throw toThrow;
        finish(status, describeError(toThrow));
      },
      dl,
    };
    main(Module);
  });
});
