import { DlError } from '@dl/errors';
import type { ClassifiedImport } from '@dl/reader';
import type { ExportLike } from '@dl/symbols';
import type { LinkPlan, PlannedLibrary, StoredMeta } from './plan.js';
import { loadMeta, PLAN_FORMAT, PLAN_VERSION, storeMeta } from './plan.js';

/**
 * Plans are UTF-8 JSON (a snapshot is a plan plus memory, see snapshot.ts): readable, and
 * decoded by the engine's fastest parser, without a reviver (one costs a call per value).
 * Types are written once, in a table (`types`: a generated set of 500 libraries repeats a
 * handful of types 50,000 times), exports as `[kind, name, type, other fields]`; a big integer (an
 * i64 constant initialiser) as `{"$i64": "…"}`.
 */
type StoredExport = [kind: string, name: string, type: number, rest?: unknown];
type StoredImport = Omit<ClassifiedImport, 'type'> & { readonly type?: number };
type StoredLibrary = Omit<PlannedLibrary, 'meta'> & {
  readonly meta: Omit<StoredMeta, 'imports' | 'exports'> & {
    readonly imports: readonly StoredImport[];
    readonly exports: readonly StoredExport[];
  };
};
type StoredPlan = Omit<LinkPlan, 'libraries'> & {
  readonly types: readonly unknown[];
  readonly libraries: readonly StoredLibrary[];
};

/** Interns types: each distinct one once, by its JSON. */
class TypeTable {
  readonly types: unknown[] = [];
  private readonly index = new Map<string, number>();
  of(type: unknown): number {
    if (type === null || type === undefined) return -1;
    const key = JSON.stringify(type);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.types.push(type) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

function storeExport(e: ExportLike, t: TypeTable): StoredExport {
  const { kind, name, ...rest } = e as ExportLike & { type?: unknown; init?: { op: string; value?: unknown } | null };
  const type = t.of(rest.type);
  delete rest.type;
  if (rest.init?.value !== undefined && typeof rest.init.value === 'bigint')
    rest.init = { ...rest.init, value: { $i64: rest.init.value.toString() } };
  return Object.keys(rest).length === 0 ? [kind, name, type] : [kind, name, type, rest];
}

function loadExport([kind, name, type, extra]: StoredExport, types: readonly unknown[]): ExportLike {
  const rest = { ...(extra as { init?: { op: string; value?: unknown } | null } | undefined) };
  const v: unknown = rest.init?.value;
  if (typeof v === 'object' && v !== null && typeof (v as { $i64?: unknown }).$i64 === 'string')
    rest.init = { ...rest.init!, value: BigInt((v as { $i64: string }).$i64) };
  const typed = kind === 'function' || kind === 'global' ? { type: type === -1 ? null : types[type] } : {};
  return { kind, name, ...typed, ...rest } as ExportLike;
}

function storeLibrary(l: PlannedLibrary, t: TypeTable): StoredLibrary {
  const meta = storeMeta(l.meta);
  const imports = meta.imports.map((i) => ('type' in i ? { ...i, type: t.of(i.type) } : i));
  return { ...l, meta: { ...meta, imports, exports: meta.exports.map((e) => storeExport(e, t)) } };
}

function loadLibrary(l: StoredLibrary, types: readonly unknown[]): PlannedLibrary {
  const imports = l.meta.imports.map((i) =>
    typeof i.type === 'number' ? { ...i, type: i.type === -1 ? null : types[i.type] } : i,
  ) as unknown as ClassifiedImport[];
  const exports = l.meta.exports.map((e) => loadExport(e, types));
  return { ...l, meta: loadMeta({ ...l.meta, imports, exports }) };
}

/** A plan as JSON text (what `encodePlan` writes inside its bytes). */
export function planToJson(plan: LinkPlan): string {
  const t = new TypeTable();
  const libraries = plan.libraries.map((l) => storeLibrary(l, t));
  const stored: StoredPlan = { ...plan, types: t.types, libraries };
  return JSON.stringify(stored);
}

/**
 * A link plan as bytes, to keep in a {@link PlanStore} (UTF-8 JSON).
 *
 * @param plan - a plan `linkWithPlan` returned
 */
export function encodePlan(plan: LinkPlan): Uint8Array {
  return new TextEncoder().encode(planToJson(plan));
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** The checks a decoded plan must pass: every field a replay reads, with its type. */
function checkLibrary(l: unknown, i: number): void {
  const ok =
    isObject(l) &&
    typeof l.name === 'string' &&
    typeof l.key === 'string' &&
    typeof l.hash === 'string' &&
    l.hash.startsWith('sha256:') &&
    (l.content === null || typeof l.content === 'string') &&
    Array.isArray(l.needed) &&
    Array.isArray(l.chain) &&
    isObject(l.meta) &&
    isObject(l.meta.dylink) &&
    Array.isArray(l.meta.imports) &&
    Array.isArray(l.meta.exports) &&
    Array.isArray(l.meta.dylink.tlsExports) &&
    Array.isArray(l.meta.dylink.weakImports) &&
    Array.isArray(l.meta.dylink.needed) &&
    isObject(l.outcome) &&
    Array.isArray(l.outcome.bindings) &&
    Array.isArray(l.outcome.got);
  if (!ok) throw new DlError('DL_PLAN_CORRUPT', `link plan: library ${i} is incomplete or mistyped`);
}

/**
 * A plan from JSON text.
 *
 * @throws DlError `DL_PLAN_FOREIGN` (not a plan of this format and version), `DL_PLAN_CORRUPT` (damaged)
 */
export function planFromJson(text: string): LinkPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const foreign = !text.trimStart().startsWith('{');
    throw new DlError(
      foreign ? 'DL_PLAN_FOREIGN' : 'DL_PLAN_CORRUPT',
      foreign ? 'not a link plan: it is not JSON' : 'link plan: its JSON does not parse',
      { cause: e },
    );
  }
  if (!isObject(raw) || raw.format !== PLAN_FORMAT)
    throw new DlError('DL_PLAN_FOREIGN', `not a link plan: its format is not "${PLAN_FORMAT}"`);
  if (raw.version !== PLAN_VERSION)
    throw new DlError(
      'DL_PLAN_FOREIGN',
      `link plan version ${String(raw.version)}; this linker reads version ${PLAN_VERSION}`,
    );
  if (
    typeof raw.fingerprint !== 'string' ||
    typeof raw.bound !== 'string' ||
    typeof raw.layout !== 'string' ||
    !isObject(raw.flags) ||
    !Array.isArray(raw.roots) ||
    !Array.isArray(raw.types) ||
    !Array.isArray(raw.libraries)
  )
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: a field of its header is missing or mistyped');
  raw.libraries.forEach(checkLibrary);
  const { types, libraries, ...stored } = raw as unknown as StoredPlan;
  try {
    return { ...stored, libraries: libraries.map((l) => loadLibrary(l, types)) };
  } catch (e) {
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: a library’s metadata does not decode', { cause: e });
  }
}

/**
 * A link plan from bytes `encodePlan` wrote.
 *
 * @throws DlError `DL_PLAN_FOREIGN` (not a plan of this format and version), `DL_PLAN_CORRUPT` (damaged)
 */
export function decodePlan(bytes: Uint8Array): LinkPlan {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new DlError('DL_PLAN_FOREIGN', 'not a link plan: it is not UTF-8 text', { cause: e });
  }
  return planFromJson(text);
}
