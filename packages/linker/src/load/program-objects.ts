import type { AbiName, FuncType, GotSpecialName } from '@dl/reader';
import type { Journal } from '../journal.js';
import type { Library, LinkState } from '../state.js';
import { newTag } from '../wasm-tag.js';
import type { WasmTag } from '../wasm-tag.js';

/** `__table_base` of the many libraries without a table range: one immutable global for all (made on first use, not on import). */
let zeroBase: WebAssembly.Global | null = null;

/** The program's object an `env` ABI import names (anchors.md §1.3). */
export function abiValue(state: LinkState, lib: Library, name: AbiName): WebAssembly.ImportValue {
  switch (name) {
    case 'memory':
      return state.memory;
    case '__indirect_function_table':
    case 'table':
      return state.table;
    case '__stack_pointer':
      return state.stackPointer;
    case '__memory_base':
      return new WebAssembly.Global({ value: 'i32', mutable: false }, lib.memoryBase);
    case '__table_base':
      if (lib.tableBase !== 0) return new WebAssembly.Global({ value: 'i32', mutable: false }, lib.tableBase);
      zeroBase ??= new WebAssembly.Global({ value: 'i32', mutable: false }, 0);
      return zeroBase;
  }
}

/** `GOT.mem.__heap_base` / `__stack_low` / `__stack_high`, which a relocatable main asks the loader for. */
export function specialGot(state: LinkState, name: GotSpecialName): WebAssembly.Global {
  switch (name) {
    case '__heap_base':
      state.heapBase ??= new WebAssembly.Global({ value: 'i32', mutable: true }, state.stack.high);
      return state.heapBase;
    case '__stack_low':
      return new WebAssembly.Global({ value: 'i32', mutable: true }, state.stack.low);
    case '__stack_high':
      return new WebAssembly.Global({ value: 'i32', mutable: true }, state.stack.high);
  }
}

/** One exception tag per name, shared by every library (so a throw in one is caught in another). */
export function sharedTag(state: LinkState, journal: Journal, name: string, type: FuncType | null): WasmTag {
  const found = state.tags.get(name);
  if (found !== undefined) return found;
  const tag = newTag(type?.params ?? ['i32']);
  state.tags.set(name, tag);
  journal.record(() => {
    state.tags.delete(name);
  });
  return tag;
}
