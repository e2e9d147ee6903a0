/**
 * The `dl` imports of a wasi-libc program (`include/dlfcn.h`): `dlopen`, `dlsym`, `dlclose`
 * and `dlerror` as C sees them — pointers in, pointers out, NULL and a `dlerror()` text on
 * failure — implemented on a `@dl/linker` whose program is the instantiated main ("attached").
 */
import { isDlError, RTLD_DEFAULT } from '@dl/linker';
import type { Handle, Linker, SymbolScope } from '@dl/linker';
import { cStringAt } from '@dl/reader/bytes';

/** The `dl` import module: what `include/dlfcn.h` declares. */
export interface DlfcnImports {
  readonly dlopen: (file: number, mode: number) => number;
  readonly dlsym: (handle: number, name: number) => number;
  readonly dlclose: (handle: number) => number;
  readonly dlerror: () => number;
}

/** C's `RTLD_NEXT`, `(void *)-1`, as an i32 import argument. */
const C_RTLD_NEXT = -1;

/**
 * One program's dynamic-linking state as C sees it: the handles given to C (small non-zero
 * numbers, one per library, the same number for every `dlopen` of one library), the pending
 * `dlerror()` text and the buffer in the program's memory that holds the last one returned.
 * Create it before instantiating the main (its `imports` go into the import object), then
 * `attach` the linker made from the instance.
 */
export class Dlfcn {
  /** For the import object: `{ dl: dlfcn.imports }`. */
  readonly imports: DlfcnImports;
  private linkerRef: Linker | null = null;
  private readonly toC = new Map<Handle, number>();
  private readonly fromC = new Map<number, Handle>();
  private pending: string | null = null;
  private buffer = 0;
  private nextHandle = 1;

  constructor() {
    this.imports = {
      dlopen: (file, mode) => this.dlopen(file, mode),
      dlsym: (handle, name) => this.dlsym(handle, name),
      dlclose: (handle) => this.dlclose(handle),
      dlerror: () => this.dlerror(),
    };
  }

  /** Connects the linker whose attached program is the instance these imports were given to. */
  attach(linker: Linker): void {
    this.linkerRef = linker;
  }

  /** The attached linker. */
  get linker(): Linker {
    if (this.linkerRef === null)
      throw new Error('@dl/wasi: dlfcn used before attach(linker): create the linker from the instance first');
    return this.linkerRef;
  }

  /** The pending `dlerror()` text, without clearing it (for hosts and tests). */
  get lastError(): string | null {
    return this.pending;
  }

  private fail(message: string): 0 {
    this.pending = message;
    return 0;
  }

  /**
   * Runs a linker call; a DlError (the linker's refusals and failures, a load rolled back)
   * becomes dlerror's text. Anything else (a trap, a WASI exit) propagates as it would in C.
   */
  private guard<T>(what: () => T, onError: (message: string) => T): T {
    try {
      return what();
    } catch (e) {
      if (isDlError(e)) return onError(e.message);
      throw e;
    }
  }

  private cHandle(handle: Handle): number {
    let n = this.toC.get(handle);
    if (n === undefined) {
      n = this.nextHandle++;
      this.toC.set(handle, n);
      this.fromC.set(n, handle);
    }
    return n;
  }

  private dlopen(file: number, mode: number): number {
    const name = file === 0 ? null : this.string(file);
    return this.guard(
      () => this.cHandle(this.linker.dlopenSync(name, mode)),
      (m) => this.fail(m),
    );
  }

  /**
   * `dlopen` for JSPI: the same, with the linker's asynchronous load (an asynchronous loader
   * may fetch); wrapped in `WebAssembly.Suspending`, C waits while it runs.
   */
  async dlopenAsync(file: number, mode: number): Promise<number> {
    const name = file === 0 ? null : this.string(file);
    try {
      return this.cHandle(await this.linker.dlopen(name, mode));
    } catch (e) {
      if (isDlError(e)) return this.fail(e.message);
      throw e;
    }
  }

  private dlsym(handle: number, namePtr: number): number {
    const name = this.string(namePtr);
    if (handle === C_RTLD_NEXT)
      return this.fail(
        `dlsym(RTLD_NEXT, ${name}): not supported: a wasm call does not tell the linker which module made it`,
      );
    let scope: SymbolScope;
    if (handle === 0) scope = RTLD_DEFAULT;
    else {
      const h = this.fromC.get(handle);
      if (h === undefined) return this.fail(`dlsym(${name}): invalid handle ${handle >>> 0}`);
      scope = h;
    }
    return this.guard(
      () => {
        const found = this.linker.dlsym(scope, name);
        if (found.kind === 'global')
          return this.fail(`dlsym(${name}): ${found.library} exports it as a wasm global, which has no address`);
        return found.address;
      },
      (m) => this.fail(m),
    );
  }

  private dlclose(handle: number): number {
    const h = this.fromC.get(handle);
    if (h === undefined) {
      this.pending = `dlclose: invalid handle ${handle >>> 0}`;
      return 1;
    }
    return this.guard(
      () => {
        this.linker.dlclose(h);
        return 0;
      },
      (m) => {
        this.pending = m;
        return 1;
      },
    );
  }

  private dlerror(): number {
    const linker = this.linker;
    if (this.buffer !== 0) {
      linker.free(this.buffer);
      this.buffer = 0;
    }
    if (this.pending === null) return 0;
    const bytes = new TextEncoder().encode(this.pending);
    this.pending = null;
    this.buffer = linker.malloc(bytes.length + 1, 1);
    const view = new Uint8Array(linker.memory.buffer, this.buffer, bytes.length + 1);
    view.set(bytes);
    view[bytes.length] = 0;
    return this.buffer;
  }

  /** A NUL-terminated UTF-8 string in the program's memory. */
  private string(ptr: number): string {
    return cStringAt(this.linker.memory, ptr);
  }
}
