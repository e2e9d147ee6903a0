import { DlError } from '@dl/errors';
import { checkRequest, PAGE } from '@dl/layout';
import { formatFuncType, isSymbolImport } from '@dl/reader';
import type { ClassifiedImport, FuncType, SymbolImport } from '@dl/reader';
import { FallbackMemo, findInScopes, isInternalName, originalOf, pickFunction, sameFuncType } from '@dl/symbols';
import type { Definition, ExportLike, Scope } from '@dl/symbols';
import { AbiMismatchError } from '../abi-mismatch.js';
import type { FoundLibrary } from '../discover.js';
import { UndefinedSymbolsError } from '../undefined.js';
import type { MissingSymbol } from '../undefined.js';
import type { LinkState } from '../state.js';

/**
 * What a library's symbol imports resolve to before anything is instantiated (the visible
 * scopes, then the runtime's fallback): binding reuses it, as a definition visible now stays
 * the winner. Null: a function import nothing defines — not the visible scopes, not the load's
 * libraries, not the fallback (it stays lazy: binding gives it a JS thunk, no wasm PLT).
 * Imports not in the map are resolved at binding.
 */
export type Visible = ReadonlyMap<ClassifiedImport, Definition | null>;

/** {@link Visible} while checking builds it. */
type Found = Map<ClassifiedImport, Definition | null>;

/** A symbol one of the new libraries will define, before it is instantiated. */
interface Preview {
  readonly provider: FoundLibrary;
  readonly exp: ExportLike;
}

/**
 * The first new library (in scope order) exporting each of `wanted` (the names the
 * visible scopes could not resolve). Cost: the new libraries' exports, only when something
 * was not found.
 */
export function previewOf(order: readonly FoundLibrary[], wanted: ReadonlySet<string>): Map<string, Preview> {
  const map = new Map<string, Preview>();
  if (wanted.size === 0) return map;
  for (const p of order) {
    for (const exp of p.meta.exports) {
      if (
        wanted.has(exp.name) &&
        (exp.kind === 'function' || exp.kind === 'global') &&
        !isInternalName(exp.name) &&
        !map.has(exp.name)
      ) {
        map.set(exp.name, { provider: p, exp });
      }
    }
  }
  return map;
}

/** Null when the new library's export fits the import, else why not. */
function previewFunctionType(v: Preview, wanted: FuncType | null): string | null {
  if (v.exp.kind !== 'function') return `is a global in ${v.provider.name}, not a function`;
  if (wanted === null || v.exp.type === null || sameFuncType(v.exp.type, wanted)) return null;
  const twin = originalOf(v.provider.meta.exports, v.exp.name);
  if (twin?.kind === 'function' && twin.type !== null && sameFuncType(twin.type, wanted)) return null;
  return `${v.provider.name} defines it as ${formatFuncType(v.exp.type)}`;
}

/** Whether an import wants a function (a call, or its address). */
function wantsFunction(i: SymbolImport): boolean {
  return i.role === 'function' || (i.role === 'got' && i.space === 'func');
}

/** Why a visible definition cannot be bound to an import, or null when it can. */
function definitionProblem(importer: string, i: SymbolImport, d: Definition): string | null {
  const head = `${i.name}: ${importer}`;
  if (wantsFunction(i) && d.kind !== 'function')
    return `${head} uses it as a function but ${d.provider.name} defines a ${d.kind} symbol`;
  if (i.role === 'got' && i.space === 'mem' && d.kind !== 'data' && d.kind !== 'tls')
    return `${head} uses it as data but ${d.provider.name} defines a ${d.kind} symbol`;
  if (i.role === 'global' && d.kind !== 'global')
    return `${head} imports it as a global but ${d.provider.name} defines a ${d.kind} symbol`;
  if (i.role === 'function' && d.kind === 'function' && i.type !== null && pickFunction(d, i.type) === null) {
    return `${head} imports it as ${formatFuncType(i.type)} but ${d.provider.name} defines it as ${d.type === null ? 'unknown' : formatFuncType(d.type)}`;
  }
  return null;
}

/** Why a new library's export cannot be bound to an import, or null when it can. */
function previewProblem(importer: string, i: SymbolImport, v: Preview): string | null {
  const type = i.role === 'function' ? i.type : null;
  if (wantsFunction(i)) {
    const verdict = previewFunctionType(v, type);
    return verdict === null
      ? null
      : `${i.name}: ${importer} imports it as ${type === null ? 'a function' : formatFuncType(type)} but ${verdict}`;
  }
  return v.exp.kind === 'global'
    ? null
    : `${i.name}: ${importer} uses it as data but ${v.provider.name} defines a function`;
}

/**
 * First pass: what the visible scopes define for each symbol import, and the names they do
 * not define (only those need the new libraries' exports or the runtime's fallback).
 */
function findVisible(
  order: readonly FoundLibrary[],
  pathFor: (p: FoundLibrary) => readonly Scope[],
): { visible: Map<FoundLibrary, Found>; unresolved: Set<string> } {
  const unresolved = new Set<string>();
  const visible = new Map<FoundLibrary, Found>();
  for (const p of order) {
    const path = pathFor(p);
    const found: Found = new Map();
    for (const i of p.meta.imports) {
      if (!isSymbolImport(i)) continue;
      const d = findInScopes(path, i.name);
      if (d === undefined) unresolved.add(i.name);
      else found.set(i, d);
    }
    visible.set(p, found);
  }
  return { visible, unresolved };
}

/**
 * The runtime's fallback comes after the libraries of this load (once they are in their
 * scopes, a lookup finds them first): asked once per name nobody here defines.
 */
function addFallback(
  state: LinkState,
  order: readonly FoundLibrary[],
  visible: Map<FoundLibrary, Found>,
  preview: ReadonlyMap<string, Preview>,
): void {
  const fallback = state.global.fallback;
  if (fallback === null) return;
  const memo = new FallbackMemo(fallback);
  for (const p of order) {
    const found = visible.get(p)!;
    for (const i of p.meta.imports) {
      if (!isSymbolImport(i) || found.has(i) || preview.has(i.name)) continue;
      const d = memo.get(i.name);
      if (d !== undefined) found.set(i, d);
    }
  }
}

/** The errors an unsupported memory import gives (memory64, or sharing unlike the program's). */
function checkMemory(i: Extract<ClassifiedImport, { role: 'memory' }>, shared: boolean, library: string): void {
  if (i.index64)
    throw new AbiMismatchError(
      'DL_INCOMPATIBLE',
      'memory64',
      'it imports a 64-bit memory; memory64 side modules are not supported',
      { library },
    );
  if (i.shared !== shared) {
    throw new AbiMismatchError(
      'DL_INCOMPATIBLE',
      'shared-memory',
      `it needs a ${i.shared ? 'shared' : 'non-shared'} memory but the program's memory is ${shared ? 'shared' : 'not shared'}`,
      { library },
    );
  }
}

/** What checking a load collects: all problems are reported at once. */
interface Problems {
  readonly mismatches: string[];
  /** Whether one of them is a function type that differs (an ABI difference). */
  functionTypes: boolean;
  readonly missing: MissingSymbol[];
}

/** Checks one library's imports against what will define them. */
function checkImports(
  state: LinkState,
  p: FoundLibrary,
  found: Found,
  preview: ReadonlyMap<string, Preview>,
  now: boolean,
  problems: Problems,
): void {
  const shared = typeof SharedArrayBuffer !== 'undefined' && state.memory.buffer instanceof SharedArrayBuffer;
  for (const i of p.meta.imports) {
    if (i.role === 'memory') checkMemory(i, shared, p.name);
    if (
      (i.role === 'foreign' || (i.role === 'table' && i.module !== 'env')) &&
      state.imports[i.module]?.[i.name] === undefined
    ) {
      problems.missing.push({ name: i.name, module: i.module, neededBy: p.name });
    }
    if (!isSymbolImport(i)) continue;
    const d = found.get(i) ?? undefined;
    const v = d === undefined ? preview.get(i.name) : undefined;
    const problem =
      d !== undefined ? definitionProblem(p.name, i, d) : v !== undefined ? previewProblem(p.name, i, v) : null;
    if (problem !== null) {
      problems.mismatches.push(problem);
      if (i.role === 'function' && i.type !== null && (d === undefined || d.kind === 'function'))
        problems.functionTypes = true;
    }
    if (d !== undefined || v !== undefined) continue;
    if (i.role === 'function') found.set(i, null);
    if (i.weak || (i.role === 'function' && !now)) continue;
    problems.missing.push({ name: i.name, module: i.module, neededBy: p.name });
  }
}

/**
 * Checks every new library before anything is allocated: sizes against the limits, memory
 * compatibility, and that every import will resolve — from the visible scopes or from
 * another new library — with the right kind and signature. RTLD_NOW also requires every
 * function import; data and function-address imports are always required unless weak.
 * All problems are reported at once.
 *
 * @param pathFor - the lookup path a new library will have
 * @returns what each library's imports resolve to already (binding reuses it)
 * @throws DlError `DL_LIMIT`, `DL_INCOMPATIBLE`, `DL_SIGNATURE_MISMATCH`, `DL_UNDEFINED_SYMBOL`
 */
export function check(
  state: LinkState,
  order: readonly FoundLibrary[],
  pathFor: (p: FoundLibrary) => readonly Scope[],
  now: boolean,
): ReadonlyMap<FoundLibrary, Visible> {
  const { visible, unresolved } = findVisible(order, pathFor);
  const preview = previewOf(order, unresolved);
  addFallback(state, order, visible, preview);
  const problems: Problems = { mismatches: [], functionTypes: false, missing: [] };
  // A wasm32 memory can never hold more than 4 GiB; the configurable limits bound it further.
  const memoryMax = 65536 * PAGE;
  for (const p of order) {
    checkRequest(p.meta.dylink, state.limits, p.name, p.isMain ? Infinity : memoryMax);
    checkImports(state, p, visible.get(p)!, preview, now, problems);
  }
  const { mismatches, missing } = problems;
  if (mismatches.length > 0) {
    const detail = `${mismatches.length} import${mismatches.length === 1 ? '' : 's'} cannot be bound: ${mismatches.join('; ')}`;
    const context = { library: order[0]?.name };
    throw problems.functionTypes
      ? new AbiMismatchError('DL_SIGNATURE_MISMATCH', 'function-type', detail, context)
      : new DlError('DL_SIGNATURE_MISMATCH', detail, context);
  }
  if (missing.length > 0) {
    throw new UndefinedSymbolsError(missing, order[0]?.name);
  }
  return visible;
}
