import { DlError } from '@dl/errors';
import type { ImageImport, ThreadImage } from './image.js';

type Fn = (...args: unknown[]) => unknown;

/** A thread following a linked program: the same libraries, its own table, stack and TLS blocks. */
export interface Follower {
  /** This thread's function table (same layout as the leading thread's). */
  readonly table: WebAssembly.Table;
  /** This thread's stack pointer. */
  readonly stackPointer: WebAssembly.Global;
  /** Each library's instance on this thread, by name. */
  readonly libraries: ReadonlyMap<string, WebAssembly.Instance>;
  /** The first library (in load order) exporting `name`, as on the leading thread's global lookup. */
  find(name: string): WebAssembly.ExportValue | undefined;
}

/** Options of {@link followLinker}. */
export interface FollowOptions {
  /** The host's functions on this thread, by name (JS functions do not cross threads). */
  readonly host?: Readonly<Record<string, Fn>>;
}

function constGlobal(value: number, mutable: boolean): WebAssembly.Global {
  return new WebAssembly.Global({ value: 'i32', mutable }, value);
}

interface Thread {
  readonly image: ThreadImage;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  readonly instances: WebAssembly.Instance[];
  readonly host: Readonly<Record<string, Fn>>;
  readonly find: (name: string) => WebAssembly.ExportValue | undefined;
}

function hostFunction(t: Thread, symbol: string, library: string): Fn {
  const f = t.host[symbol];
  if (f !== undefined) return f;
  return () => {
    throw new DlError(
      'DL_UNDEFINED_SYMBOL',
      `host function ${symbol} is not given to this thread (FollowOptions.host)`,
      {
        library,
        symbol,
      },
    );
  };
}

/** A lazily bound import: the first library exporting it, looked up on the first call. */
function lateFunction(t: Thread, symbol: string, library: string): Fn {
  let target: Fn | undefined;
  return (...args) => {
    target ??= t.find(symbol) as Fn | undefined;
    if (typeof target !== 'function')
      throw new DlError('DL_UNDEFINED_SYMBOL', `undefined symbol ${symbol} was called on a follower thread`, {
        library,
        symbol,
      });
    return target(...args);
  };
}

function importValue(t: Thread, spec: ImageImport, library: string): WebAssembly.ImportValue {
  switch (spec.how) {
    case 'memory':
      return t.image.memory;
    case 'table':
      return t.table;
    case 'stack-pointer':
      return t.stackPointer;
    case 'const':
      return constGlobal(spec.value, spec.mutable);
    case 'tls':
      return constGlobal(t.image.libraries[spec.library]!.tlsBlock! + spec.offset, true);
    case 'export': {
      const provider = t.instances[spec.library];
      return provider === undefined
        ? lateFunction(t, spec.export, library)
        : (provider.exports[spec.export] as WebAssembly.ImportValue);
    }
    case 'host':
      return hostFunction(t, spec.symbol, library);
    case 'late':
      return lateFunction(t, spec.symbol, library);
    case 'tls-alloc': {
      const block = t.image.libraries.find((l) => l.name === library)?.tlsBlock ?? null;
      return () => {
        if (block === null) throw new DlError('DL_OUT_OF_MEMORY', 'no TLS block reserved for this thread', { library });
        return block;
      };
    }
  }
}

/**
 * Follows a linked program on this thread (a worker): instantiates its libraries in order
 * with the imports the image describes, sets up this thread's TLS block of each library
 * (`__wasm_init_tls`) and fills the table slots the leading thread gave to functions. Shared
 * memory is initialised once (a shared-memory module's start function does it only on the
 * first thread); relocations and constructors do not run again.
 */
export function followLinker(image: ThreadImage, options: FollowOptions = {}): Follower {
  const instances: WebAssembly.Instance[] = [];
  const find = (name: string): WebAssembly.ExportValue | undefined => {
    for (const instance of instances) if (Object.hasOwn(instance.exports, name)) return instance.exports[name];
    return undefined;
  };
  const t: Thread = {
    image,
    table: new WebAssembly.Table({ element: 'anyfunc', initial: image.tableLength }),
    stackPointer: new WebAssembly.Global({ value: 'i32', mutable: true }, image.stack.high),
    instances,
    host: options.host ?? {},
    find,
  };
  for (const lib of image.libraries) {
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const spec of lib.imports) (imports[spec.module] ??= {})[spec.name] = importValue(t, spec, lib.name);
    const instance = new WebAssembly.Instance(lib.module, imports);
    if (lib.tlsInit?.kind === 'wasm') (instance.exports.__wasm_init_tls as (base: number) => void)(lib.tlsBlock!);
    else if (lib.tlsInit?.kind === 'runtime') (instance.exports[lib.tlsInit.export] as () => number)();
    instances.push(instance);
  }
  for (const s of image.slots) t.table.set(s.index, instances[s.library]!.exports[s.name]);
  return {
    table: t.table,
    stackPointer: t.stackPointer,
    libraries: new Map(image.libraries.map((l, i) => [l.name, instances[i]!])),
    find,
  };
}
