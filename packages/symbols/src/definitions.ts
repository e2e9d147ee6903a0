import type { FuncType, GlobalType } from '@dl/reader';

/** Who defines symbols: the host/main program or a library. */
export interface Provider {
  /** Unique, in load order (the host/main is 0). */
  readonly id: number;
  /** Library name (or `main` / `host`). */
  readonly name: string;
}

/** A callable: a wasm exported function, or a host JS function. */
export type Callable = (...args: never[]) => unknown;

interface Base {
  /** Symbol name. */
  readonly name: string;
  /** Who defines it. */
  readonly provider: Provider;
}

/** A function definition, with its wasm type when known. */
export interface FunctionDefinition extends Base {
  readonly kind: 'function';
  /** The function: a wasm export (can go in the table) or a host JS function. */
  readonly func: Callable;
  /** Its wasm type; `null` for a host JS function given without a signature. */
  readonly type: FuncType | null;
  /** True when `func` is a wasm function (an instance export), false for host JS. */
  readonly wasm: boolean;
  /**
   * For Emscripten's i64 legalisation: the same function with its real signature
   * (`orig$name`), used for function pointers and for imports that declare that type.
   */
  readonly original?: { readonly func: Callable; readonly type: FuncType } | undefined;
}

/** A data symbol: an absolute address in linear memory. */
export interface DataDefinition extends Base {
  readonly kind: 'data';
  readonly address: number;
}

/** A thread-local symbol: an offset from the provider's TLS block. */
export interface TlsDefinition extends Base {
  readonly kind: 'tls';
  readonly offset: number;
  /** The address in the current thread's block (block base + offset). */
  readonly address: number;
}

/** Any other global (mutable, or not an address), e.g. a main's exported `__stack_pointer`. */
export interface GlobalDefinition extends Base {
  readonly kind: 'global';
  readonly global: WebAssembly.Global;
  readonly type: GlobalType | null;
}

/** What a symbol name can be bound to. */
export type Definition = FunctionDefinition | DataDefinition | TlsDefinition | GlobalDefinition;

/** The address a GOT.mem entry takes for a definition, or null when it has none. */
export function addressOf(d: Definition): number | null {
  return d.kind === 'data' || d.kind === 'tls' ? d.address : null;
}
