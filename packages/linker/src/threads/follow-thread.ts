import type { WasmTag } from '../wasm-tag.js';
import type { ImageGotValue, ImageLibrary } from './image.js';
import type { Trampolines } from './trampolines.js';

export type Fn = (...args: unknown[]) => unknown;

/** One library on a following thread: instantiated, or registered and instantiated on first use. */
export interface Entry {
  readonly lib: ImageLibrary;
  /** Null until the thread instantiates it. */
  instance: WebAssembly.Instance | null;
  /** Being instantiated (its providers first): a cycle back to it finds it unfinished. */
  arriving: boolean;
  /** Extra slots given to its exports while it had no instance (slot → export name): set when it gets one. */
  readonly waiting: Map<number, string>;
}

/** Everything a following thread holds. */
export interface Thread {
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  /** Libraries by id, in load order. */
  readonly entries: Map<number, Entry>;
  readonly tlsBlocks: Map<number, number>;
  /** Each library's own table range (cleared when it is dropped). */
  readonly ranges: Map<number, ImageLibrary['table']>;
  /** Table slots outside the ranges given to each library's functions. */
  readonly extra: Map<number, Set<number>>;
  /** Which library each extra slot was last given to (a slot may pass to another library's function). */
  readonly extraOwner: Map<number, number>;
  readonly host: Readonly<Record<string, Fn>>;
  /** This thread's exception tags, by import name. */
  readonly tags: Map<string, WasmTag>;
  /** This thread's copy of each GOT entry that may still change (by its id on the leading thread), shared by its importers. */
  readonly got: Map<number, WebAssembly.Global>;
  /** For each such copy locating a thread-local now, the library (id) whose block it is in. */
  readonly gotTls: Map<number, number>;
  /** The latest value of each changed entry the thread has no copy of yet (an importer not instantiated yet starts from it). */
  readonly gotLatest: Map<number, ImageGotValue>;
  /** Instantiate libraries when first used (else as soon as the thread learns of them). */
  readonly lazy: boolean;
  readonly trampolines: Trampolines;
  /** The trampoline each slot holds now (slot → trampoline id). */
  readonly held: Map<number, number>;
  /** Instantiates library `id` if it has no instance yet (its providers first); its instance, or null (unknown, or in a cycle). */
  arrive(id: number): WebAssembly.Instance | null;
}
