import type { FuncType } from '@dl/reader';
import type { Callable } from '@dl/symbols';
import { encodeModule } from './wasm-encoder.js';

/**
 * Host JS functions as wasm functions, so they can sit in the table (`&host_fn`) — node 20
 * has no `WebAssembly.Function`, so each is re-exported by a two-line generated module.
 * Cached per (function, type).
 */
export class HostFunctions {
  private readonly cache = new Map<Callable, Map<string, Callable>>();

  /** The wasm function wrapping `js` with `type`. */
  wrap(js: Callable, type: FuncType): Callable {
    const key = `${type.params.join(',')}>${type.results.join(',')}`;
    let byType = this.cache.get(js);
    if (byType === undefined) {
      byType = new Map();
      this.cache.set(js, byType);
    }
    const found = byType.get(key);
    if (found !== undefined) return found;
    const bytes = encodeModule({
      types: [type],
      importTable: false,
      imports: [{ module: 'h', name: 'f', type: 0 }],
      functions: [],
      exports: [['f', 0]],
    });
    const wrapped = new WebAssembly.Instance(new WebAssembly.Module(bytes), { h: { f: js } }).exports.f as Callable;
    byType.set(key, wrapped);
    return wrapped;
  }
}
