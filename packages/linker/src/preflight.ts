import { DlError } from '@dl/errors';
import { checkRequest, PAGE } from '@dl/layout';
import { formatFuncType } from '@dl/reader';
import type { FuncType } from '@dl/reader';
import { isInternalName, pickFunction, sameFuncType } from '@dl/symbols';
import type { Definition, ExportLike, Scope } from '@dl/symbols';
import { lookupScopes } from './bind.js';
import type { Pending } from './discover.js';
import { UndefinedSymbolsError } from './undefined.js';
import type { MissingSymbol } from './undefined.js';
import type { LinkState } from './state.js';

/** A symbol one of the new libraries will define, before it is instantiated. */
interface Preview {
  readonly provider: Pending;
  readonly exp: ExportLike;
}

/**
 * The first new library (in scope order) exporting each of `wanted` (the names the
 * visible scopes could not resolve). Cost: the new libraries' exports, only when something
 * was not found.
 */
export function previewOf(order: readonly Pending[], wanted: ReadonlySet<string>): Map<string, Preview> {
  const map = new Map<string, Preview>();
  if (wanted.size === 0) return map;
  for (const p of order) {
    for (const exp of p.meta.exports) {
      if (wanted.has(exp.name) && (exp.kind === 'function' || exp.kind === 'global') && !isInternalName(exp.name) && !map.has(exp.name)) {
        map.set(exp.name, { provider: p, exp });
      }
    }
  }
  return map;
}

const abiNames = new Set(['memory', '__indirect_function_table', 'table', '__memory_base', '__table_base', '__stack_pointer']);
const specialGot = new Set(['__heap_base', '__stack_low', '__stack_high']);

/** Null when the new library's export fits the import, else why not. */
function previewFunctionType(v: Preview, wanted: FuncType | null): string | null {
  if (v.exp.kind !== 'function') return `is a global in ${v.provider.name}, not a function`;
  if (wanted === null || v.exp.type === null || sameFuncType(v.exp.type, wanted)) return null;
  const twin = v.provider.meta.exports.find((e) => e.name === `orig$${v.exp.name}`);
  if (twin?.kind === 'function' && twin.type !== null && sameFuncType(twin.type, wanted)) return null;
  return `${v.provider.name} defines it as ${formatFuncType(v.exp.type)}`;
}

/**
 * Checks every new library before anything is allocated: sizes against the limits, memory
 * compatibility, and that every import will resolve — from the visible scopes or from
 * another new library — with the right kind and signature. RTLD_NOW also requires every
 * function import; data and function-address imports are always required unless weak.
 * All problems are reported at once.
 *
 * @param pathFor - the lookup path a new library will have
 * @throws DlError `DL_LIMIT`, `DL_INCOMPATIBLE`, `DL_SIGNATURE_MISMATCH`, `DL_UNDEFINED_SYMBOL`
 */
export function preflight(state: LinkState, order: readonly Pending[], pathFor: (p: Pending) => readonly Scope[], now: boolean): Map<Pending, (Definition | undefined)[]> {
  // First pass: what the visible scopes define for each import (kept: binding reuses it, as a
  // definition visible now stays the winner), and the names they do not define — only those
  // need the new libraries' exports.
  const unresolved = new Set<string>();
  const visible = new Map<Pending, (Definition | undefined)[]>();
  for (const p of order) {
    const path = pathFor(p);
    const found: (Definition | undefined)[] = [];
    for (const spec of p.meta.imports) {
      const symbolic = spec.module === 'env' || spec.module === 'GOT.mem' || spec.module === 'GOT.func';
      const d = symbolic ? lookupScopes(path, spec.name) : undefined;
      found.push(d);
      if (symbolic && d === undefined) unresolved.add(spec.name);
    }
    visible.set(p, found);
  }
  const preview = previewOf(order, unresolved);
  // The runtime's fallback comes after the libraries of this load (once they are in their
  // scopes, a lookup finds them first): asked once per name nobody here defines.
  const fallback = state.global.fallback;
  if (fallback !== null) {
    const made = new Map<string, Definition | undefined>();
    for (const p of order) {
      const found = visible.get(p)!;
      p.meta.imports.forEach((spec, i) => {
        if (found[i] !== undefined || !unresolved.has(spec.name) || preview.has(spec.name)) return;
        if (spec.module === 'env' ? abiNames.has(spec.name) || spec.kind === 'tag' : spec.module === 'GOT.mem' ? specialGot.has(spec.name) : spec.module !== 'GOT.func') return;
        if (!made.has(spec.name)) made.set(spec.name, fallback(spec.name));
        found[i] = made.get(spec.name);
      });
    }
  }
  const mismatches: string[] = [];
  const missing: MissingSymbol[] = [];
  // A wasm32 memory can never hold more than 4 GiB; the configurable limits bound it further.
  const memoryMax = 65536 * PAGE;
  const shared = typeof SharedArrayBuffer !== 'undefined' && state.memory.buffer instanceof SharedArrayBuffer;
  for (const p of order) {
    checkRequest(p.meta.dylink, state.limits, p.name, p.isMain ? Infinity : memoryMax);
    const found = visible.get(p)!;
    const weak = p.meta.dylink.weakImports;
    const specs = p.meta.imports;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const { module, name } = spec;
      if (spec.kind === 'memory') {
        if (spec.index64) throw new DlError('DL_INCOMPATIBLE', 'it imports a 64-bit memory; memory64 side modules are not supported', { library: p.name });
        if (spec.shared !== shared) {
          throw new DlError('DL_INCOMPATIBLE', `it needs a ${spec.shared ? 'shared' : 'non-shared'} memory but the program's memory is ${shared ? 'shared' : 'not shared'}`, { library: p.name });
        }
        continue;
      }
      if (module === 'env' && (abiNames.has(name) || spec.kind === 'tag')) continue;
      if (module === 'GOT.mem' && specialGot.has(name)) continue;
      if (module !== 'env' && module !== 'GOT.mem' && module !== 'GOT.func') {
        if (state.imports[module]?.[name] === undefined) missing.push({ name, module, neededBy: p.name });
        continue;
      }
      const d = found[i];
      const v = d === undefined ? preview.get(name) : undefined;
      const wantFunction = (module === 'env' && spec.kind === 'function') || module === 'GOT.func';
      if (d !== undefined) {
        if (wantFunction && d.kind !== 'function') mismatches.push(`${name}: ${p.name} uses it as a function but ${d.provider.name} defines a ${d.kind} symbol`);
        else if (module === 'GOT.mem' && d.kind !== 'data' && d.kind !== 'tls') mismatches.push(`${name}: ${p.name} uses it as data but ${d.provider.name} defines a ${d.kind} symbol`);
        else if (module === 'env' && spec.kind === 'global' && d.kind !== 'global') mismatches.push(`${name}: ${p.name} imports it as a global but ${d.provider.name} defines a ${d.kind} symbol`);
        else if (module === 'env' && d.kind === 'function' && pickFunction(d, spec.funcType) === null) {
          mismatches.push(`${name}: ${p.name} imports it as ${formatFuncType(spec.funcType!)} but ${d.provider.name} defines it as ${d.type === null ? 'unknown' : formatFuncType(d.type)}`);
        }
        continue;
      }
      if (v !== undefined) {
        if (wantFunction) {
          const verdict = previewFunctionType(v, module === 'env' ? spec.funcType : null);
          if (verdict !== null) mismatches.push(`${name}: ${p.name} imports it as ${spec.funcType === null ? 'a function' : formatFuncType(spec.funcType)} but ${verdict}`);
        } else if (v.exp.kind !== 'global') mismatches.push(`${name}: ${p.name} uses it as data but ${v.provider.name} defines a function`);
        continue;
      }
      if (weak.has(name)) continue;
      if (module === 'env' && spec.kind === 'function' && !now) continue;
      missing.push({ name, module, neededBy: p.name });
    }
  }
  if (mismatches.length > 0) {
    throw new DlError('DL_SIGNATURE_MISMATCH', `${mismatches.length} import${mismatches.length === 1 ? '' : 's'} cannot be bound: ${mismatches.join('; ')}`, { library: order[0]?.name });
  }
  if (missing.length > 0) {
    throw new UndefinedSymbolsError(missing, order[0]?.name);
  }
  return visible;
}
