import { isOriginalName } from './resolver.js';

/**
 * Names a library exports for its loader, never published as symbols: Emscripten's
 * `isInternalSym` list (anchors.md §1.7) plus the other linker-synthesised names wasm-ld
 * and Emscripten emit (TLS and start helpers, heap/stack bounds).
 */
const internalNames: ReadonlySet<string> = new Set([
  'memory',
  '__memory_base',
  '__table_base',
  '__stack_pointer',
  '__indirect_function_table',
  '__cpp_exception',
  '__c_longjmp',
  '__wasm_apply_data_relocs',
  '__dso_handle',
  '__tls_size',
  '__tls_align',
  '__set_stack_limits',
  '_emscripten_tls_init',
  '__wasm_init_tls',
  '__wasm_call_ctors',
  '__start_em_asm',
  '__stop_em_asm',
  '__start_em_js',
  '__stop_em_js',
  // also synthesised by wasm-ld / Emscripten:
  '__tls_base',
  '__wasm_apply_global_relocs',
  '__wasm_apply_tls_relocs',
  '__wasm_apply_global_tls_relocs',
  '__wasm_init_memory',
  '__wasm_start',
  '_initialize',
  'emscripten_tls_init',
  '__heap_base',
  '__data_end',
  '__stack_low',
  '__stack_high',
  '__global_base',
  '__table_end',
]);

/**
 * Whether an export name is linker-internal (never published into a scope).
 *
 * @param name - an export name
 */
export function isInternalName(name: string): boolean {
  return internalNames.has(name) || name.startsWith('__em_js__') || isOriginalName(name);
}
