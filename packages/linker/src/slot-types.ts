import { functionTypesOf } from '@dl/reader';
import type { FuncType, ModuleInfo } from '@dl/reader';
import { funcTypeKey } from './wasm-encoder.js';

/**
 * The function type of each table slot a library fills when it is instantiated: its active
 * element segments, placed at its `__table_base`. A thread that has not instantiated the
 * library yet fills these slots with typed "load first" trampolines (`threads/trampolines.ts`).
 * Plain arrays: plans store it as JSON.
 */
export interface SlotTypes {
  /** Slot offsets from the library's table base, ascending. */
  readonly offsets: readonly number[];
  /** The type of each slot's function ({@link funcTypeKey}), parallel to `offsets`. */
  readonly types: readonly string[];
}

/** The global index of a side module's imported `env.<name>` (`__table_base`, `__memory_base`), if it imports it. */
export function envGlobalIndex(m: ModuleInfo, name: string): number | undefined {
  return m.imports.find((i) => i.kind === 'global' && i.module === 'env' && i.name === name)?.index;
}

/** A module that fills no slot (one object for all: metadata is made per load). */
const NO_SLOTS: SlotTypes = { offsets: [], types: [] };

/** Value types that cross between wasm and JS, as a trampoline's arguments and results do. */
const crossing: ReadonlySet<string> = new Set(['i32', 'i64', 'f32', 'f64', 'externref', 'funcref']);

/** Whether a trampoline (wasm → JS → wasm) can carry calls of this type. */
export function trampolineCanCarry(type: FuncType): boolean {
  return type.params.every((t) => crossing.has(t)) && type.results.every((t) => crossing.has(t));
}

/**
 * A side module's {@link SlotTypes} (none for a module that fills no slot); null when one slot cannot be
 * typed for a trampoline (a segment placed elsewhere than at `env.__table_base`, an element
 * that is not a plain function, a type JS cannot carry, such as `v128`): a thread then
 * instantiates the library as soon as it learns of it.
 */
export function slotTypesOf(m: ModuleInfo): SlotTypes | null {
  const active = m.elements.filter((s) => s.mode === 'active');
  if (active.length === 0) return NO_SLOTS;
  const tableBase = envGlobalIndex(m, '__table_base');
  const typeOf = functionTypesOf(m);
  const keys = new Map<FuncType, string>();
  const slots = new Map<number, string>();
  for (const s of active) {
    if (s.table !== 0 || s.offset?.op !== 'global.get' || s.offset.index !== tableBase) return null;
    for (let i = 0; i < s.functions.length; i++) {
      const f = s.functions[i]!;
      if (f === -1) continue;
      const type = f < 0 ? undefined : typeOf(f);
      if (type === undefined || !trampolineCanCarry(type)) return null;
      let key = keys.get(type);
      if (key === undefined) keys.set(type, (key = funcTypeKey(type)));
      slots.set(i, key);
    }
  }
  const offsets = [...slots.keys()].sort((a, b) => a - b);
  return { offsets, types: offsets.map((o) => slots.get(o)!) };
}
