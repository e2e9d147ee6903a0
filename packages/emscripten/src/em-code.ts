import { DlError, messageOf } from '@dl/errors';
import type { AdmittedLibrary, HostFunction, LoadedLibrary, LoadTransaction } from '@dl/linker';
import { emAsmSource, emJsSource, stringAt, stringsIn } from './em-js.js';

/** How code is evaluated: the link-time route evaluates in the glue's scope, as Emscripten does. */
export type Evaluate = (source: string) => unknown;

/** The `emscripten_asm_const_*` imports an EM_ASM block compiles to (code, signature, argument buffer). */
const ASM_CONST = /^emscripten_asm_const_(int|double|ptr)(_sync_on_main_thread)?$/;
const EM_JS_PREFIX = '__em_js__';

type JsFunction = (...args: unknown[]) => unknown;

/** What one library carries. */
interface Carried {
  readonly emJs: readonly string[];
  readonly emAsm: boolean;
}

/**
 * Side modules' JavaScript — EM_JS functions (exported as `__em_js__<name>`: the text
 * `(params)<::>{ body }` in the module's data; the module imports `<name>` from env) and EM_ASM
 * blocks (NUL-terminated texts between `__start_em_asm` and `__stop_em_asm`, called through
 * `emscripten_asm_const_*` with their address) — evaluated only when the user allowed it.
 *
 * Without permission a library carrying either is refused before anything is allocated
 * (`DL_EVAL_REQUIRED`). With it, the EM_JS imports resolve to functions that call the
 * evaluated code, and `emscripten_asm_const_*` finds a side module's blocks by address (the
 * main's own blocks still go to the runtime's function).
 */
export class EmCode {
  /** EM_JS functions by name: null until their library's data is in memory. */
  private readonly emJs = new Map<string, JsFunction | null>();
  /** EM_ASM blocks by absolute address. */
  private readonly asmConsts = new Map<number, JsFunction>();
  /** What the libraries of the load under way carry, by name (until their data is in memory). */
  private readonly carried = new Map<string, Carried>();

  constructor(
    private readonly allowed: boolean,
    private readonly evaluate: Evaluate,
    private readonly memory: WebAssembly.Memory,
    /** The runtime's own `emscripten_asm_const_*`, for blocks the main carries. */
    private readonly runtime: (name: string) => unknown,
  ) {}

  /** The runtime's `admit` phase: learns (or refuses) what a library carries; undone if the load fails. */
  admit(library: AdmittedLibrary, tx: LoadTransaction): void {
    let emAsm = false;
    const emJs: string[] = [];
    for (const e of library.exports) {
      if (e.name.startsWith(EM_JS_PREFIX)) emJs.push(e.name.slice(EM_JS_PREFIX.length));
      else if (e.name === '__start_em_asm') emAsm = true;
    }
    if (emJs.length === 0 && !emAsm) return;
    if (!this.allowed) {
      const what = [emJs.length > 0 ? `EM_JS functions ${emJs.join(', ')}` : '', emAsm ? 'EM_ASM blocks' : '']
        .filter((s) => s !== '')
        .join(' and ');
      throw new DlError(
        'DL_EVAL_REQUIRED',
        `${library.name} carries JavaScript (${what}) that only runs if evaluated: pass { allowEval: true } to the facade (link-time route: Module.dlOptions = { allowEval: true }) if you trust it`,
        { library: library.name },
      );
    }
    this.carried.set(library.name, { emJs, emAsm });
    tx.onRollback(() => {
      this.carried.delete(library.name);
    });
    for (const name of emJs) {
      if (this.emJs.has(name)) continue;
      this.emJs.set(name, null);
      tx.onRollback(() => {
        this.emJs.delete(name);
      });
    }
  }

  /** A definition for an EM_JS import or `emscripten_asm_const_*`, or undefined for other names. */
  symbol(name: string): HostFunction | undefined {
    if (this.emJs.has(name)) {
      return (...args: unknown[]): unknown => {
        const f = this.emJs.get(name);
        if (f === undefined || f === null)
          throw new DlError(
            'DL_UNDEFINED_SYMBOL',
            `EM_JS function ${name} was called before its library's data was in memory`,
            { symbol: name },
          );
        return f(...args);
      };
    }
    if (!this.allowed || !ASM_CONST.test(name)) return undefined;
    const fallback = this.runtime(name);
    const func = (code: number, sig: number, args: number): unknown => {
      const block = this.asmConsts.get(code);
      if (block !== undefined) return block(...this.readArgs(sig, args));
      if (typeof fallback === 'function') return (fallback as JsFunction)(code, sig, args);
      throw new DlError('DL_UNDEFINED_SYMBOL', `no EM_ASM block at address ${code}`, { symbol: name });
    };
    return { func, type: name.includes('double') ? 'diii' : 'iiii' };
  }

  /**
   * The runtime's `instantiated` phase: evaluates a library's code once its data is in memory
   * (undone if the load fails: its EM_ASM blocks forgotten, its EM_JS functions as they were).
   */
  instantiated(library: LoadedLibrary, tx: LoadTransaction): void {
    const name = library.handle.name;
    const carried = this.carried.get(name);
    if (carried === undefined) return;
    this.carried.delete(name);
    tx.onRollback(() => {
      this.carried.set(name, carried);
    });
    this.evaluateLibrary(name, carried, library.memoryBase, library.exports, tx);
  }

  private evaluateLibrary(
    library: string,
    carried: Carried,
    memoryBase: number,
    exports: WebAssembly.Exports,
    tx: LoadTransaction,
  ): void {
    const address = (name: string): number => memoryBase + Number((exports[name] as WebAssembly.Global).value);
    const run = (what: string, source: string): JsFunction => {
      try {
        const f = this.evaluate(source);
        if (typeof f !== 'function') throw new TypeError('the code is not a function');
        return f as JsFunction;
      } catch (cause) {
        throw new DlError('DL_INIT_FAILED', `${what} of ${library} does not evaluate: ${messageOf(cause)}`, {
          library,
          cause,
        });
      }
    };
    for (const name of carried.emJs) {
      const previous = this.emJs.get(name);
      const f = run(`EM_JS function ${name}`, emJsSource(stringAt(this.memory, address(EM_JS_PREFIX + name))));
      this.emJs.set(name, f);
      tx.onRollback(() => {
        if (this.emJs.has(name)) this.emJs.set(name, previous ?? null);
      });
      // Unloaded: the name is free again (another library carrying it evaluates its own).
      tx.onUnload?.(() => {
        if (this.emJs.get(name) === f) this.emJs.delete(name);
      });
    }
    if (!carried.emAsm) return;
    for (const [at, body] of stringsIn(this.memory, address('__start_em_asm'), address('__stop_em_asm'))) {
      const block = run(`the EM_ASM block at ${at}`, emAsmSource(body));
      this.asmConsts.set(at, block);
      const forget = (): void => {
        if (this.asmConsts.get(at) === block) this.asmConsts.delete(at);
      };
      tx.onRollback(forget);
      // Unloaded: its memory goes back to the allocator, and the next library there has its own blocks.
      tx.onUnload?.(forget);
    }
  }

  /** An EM_ASM call's arguments: the signature's letters over the wasm32 varargs buffer. */
  private readArgs(sigPtr: number, buf: number): unknown[] {
    const bytes = new Uint8Array(this.memory.buffer);
    const view = new DataView(this.memory.buffer);
    const out: unknown[] = [];
    let at = buf;
    for (let p = sigPtr; bytes[p] !== 0 && p < bytes.length; p++) {
      const ch = String.fromCharCode(bytes[p]!);
      const wide = ch !== 'i' && ch !== 'p';
      if (wide && at % 8 !== 0) at += 4;
      out.push(
        ch === 'i'
          ? view.getInt32(at, true)
          : ch === 'p'
            ? view.getUint32(at, true)
            : ch === 'j'
              ? view.getBigInt64(at, true)
              : view.getFloat64(at, true),
      );
      at += wide ? 8 : 4;
    }
    return out;
  }
}
