/**
 * The JS host program: no main module, the host API the fixtures expect from a main
 * (`c/host_api.h`: main_counter, main_add1, host_note, …) and the few libc functions the
 * tree-sitter grammars import — the same host the linker's own tests link against.
 */
import { RTLD_DEFAULT } from '@dl/linker';
import type { JsHostProgram, Linker } from '@dl/linker';
import { jsHostApi } from '@dl/fixtures/js-host';
import { jsLibc } from '@dl/fixtures/js-libc';
import type { HostRecord } from './protocol.js';

/** A JS host program and what it recorded, for a linker created afterwards (`bind` it then). */
export interface JsHost {
  readonly program: JsHostProgram;
  /** host_note codes and host_log messages so far. */
  readonly record: () => HostRecord;
  /** Connects the host to the linker it belongs to (its memory, table and symbols). */
  readonly bind: (linker: Linker) => void;
}

/** Builds the JS host. Its functions reach the linker given to `bind`. */
export function jsHost(): JsHost {
  let bound: Linker | null = null;
  const linker = (): Linker => {
    if (bound === null) throw new Error('the JS host is not bound to a linker yet');
    return bound;
  };
  const address = (name: string): number => {
    const symbol = linker().dlsym(RTLD_DEFAULT, name);
    if (symbol.kind === 'global') throw new Error(`${name} has no address`);
    return symbol.address;
  };
  const api = jsHostApi({
    memory: () => linker().memory,
    table: () => linker().table,
    dataAddress: address,
    functionAddress: address,
  });
  const libc = jsLibc({
    memory: () => linker().memory,
    malloc: (size) => linker().malloc(size),
    free: (pointer) => {
      linker().free(pointer);
    },
    sizeOf: (pointer) => linker().sizeOf(pointer),
  });
  return {
    program: { kind: 'host', functions: { ...libc, ...api.functions }, data: api.data },
    record: () => ({ notes: [...api.notes], logs: [...api.logs] }),
    bind: (l) => {
      bound = l;
    },
  };
}
