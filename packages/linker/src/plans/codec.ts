import { DlError } from '@dl/errors';
import type { ClassifiedImport } from '@dl/reader';
import type { ExportLike } from '@dl/symbols';
import type { LinkPlan, PlannedLibrary, StoredMeta } from './plan.js';
import { loadMeta, PLAN_FORMAT, PLAN_VERSION, storeMeta } from './plan.js';

/**
 * Plans are UTF-8 JSON (a snapshot is a plan plus memory, see snapshot.ts): readable, and
 * decoded by the engine's fastest parser, without a reviver (one costs a call per value).
 * Types are written once, in a table (`types`: a generated set of 500 libraries repeats a
 * handful of types 50,000 times), and so is every import's shape — its fields but its name and
 * type (`shapes`: the set's 14,500 imports have a handful) — so an import is `[name, type,
 * shape]`; exports are `[kind, name, type, other fields]` (just the index when that is all); a big
 * integer (an i64 constant initialiser) as `{"$i64": "…"}`. Version 2: the bench set's plan is
 * 2.9 MB instead of 5.1 MB (version 1 wrote every import as an object with all its fields), which
 * is what a replay parses first.
 */
type StoredExport = [kind: string, name: string, type: number, rest?: unknown];
/** An import: its name, its type (an index in `types`; -1 null, -2 none) and its shape (an index in `shapes`). */
type StoredImport = [name: string, type: number, shape: number];
type StoredLibrary = Omit<PlannedLibrary, 'meta'> & {
  readonly meta: Omit<StoredMeta, 'imports' | 'exports'> & {
    readonly imports: readonly StoredImport[];
    readonly exports: readonly StoredExport[];
  };
};
type StoredPlan = Omit<LinkPlan, 'libraries'> & {
  readonly types: readonly unknown[];
  readonly shapes: readonly Record<string, unknown>[];
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

/** Interns import shapes: an import with its name (and type, when it has one) set to 0, by its JSON. */
class ShapeTable {
  readonly shapes: Record<string, unknown>[] = [];
  private readonly index = new Map<string, number>();
  of(i: ClassifiedImport): number {
    const shape: Record<string, unknown> = { ...i, name: 0 };
    if ('type' in shape) shape.type = 0;
    const key = JSON.stringify(shape);
    let n = this.index.get(key);
    if (n === undefined) {
      n = this.shapes.push(shape) - 1;
      this.index.set(key, n);
    }
    return n;
  }
}

function storeImport(i: ClassifiedImport, t: TypeTable, s: ShapeTable): StoredImport {
  return [i.name, 'type' in i ? t.of(i.type) : -2, s.of(i)];
}

function loadImport(
  [name, type, shape]: StoredImport,
  types: readonly unknown[],
  shapes: StoredPlan['shapes'],
): ClassifiedImport {
  const template = shapes[shape];
  if (template === undefined || typeof name !== 'string') throw new TypeError(`import shape ${String(shape)}`);
  const out: Record<string, unknown> = { ...template };
  out.name = name;
  if ('type' in out) out.type = type === -1 ? null : types[type];
  return out as unknown as ClassifiedImport;
}

function storeExport(e: ExportLike, t: TypeTable): StoredExport {
  const { kind, name, ...rest } = e as ExportLike & { type?: unknown; init?: { op: string; value?: unknown } | null };
  const type = t.of(rest.type);
  delete rest.type;
  if (rest.init?.value !== undefined && typeof rest.init.value === 'bigint')
    rest.init = { ...rest.init, value: { $i64: rest.init.value.toString() } };
  const keys = Object.keys(rest);
  if (keys.length === 0) return [kind, name, type];
  const index = (rest as { index?: unknown }).index;
  return keys.length === 1 && typeof index === 'number' ? [kind, name, type, index] : [kind, name, type, rest];
}

/** An export from its stored form: one object, built directly (a replay decodes tens of thousands). */
function loadExport([kind, name, type, extra]: StoredExport, types: readonly unknown[]): ExportLike {
  const out: Record<string, unknown> = { kind, name };
  if (kind === 'function' || kind === 'global') out.type = type === -1 ? null : types[type];
  if (typeof extra === 'number') out.index = extra;
  else if (extra !== undefined && extra !== null) {
    for (const [k, v] of Object.entries(extra as Record<string, unknown>)) out[k] = v;
    const init = out.init as { op: string; value?: unknown } | null | undefined;
    const v = init?.value;
    if (typeof v === 'object' && v !== null && typeof (v as { $i64?: unknown }).$i64 === 'string')
      out.init = { ...init!, value: BigInt((v as { $i64: string }).$i64) };
  }
  return out as unknown as ExportLike;
}

function storeLibrary(l: PlannedLibrary, t: TypeTable, s: ShapeTable): StoredLibrary {
  const meta = storeMeta(l.meta);
  const imports = meta.imports.map((i) => storeImport(i, t, s));
  return { ...l, meta: { ...meta, imports, exports: meta.exports.map((e) => storeExport(e, t)) } };
}

function loadLibrary(l: StoredLibrary, types: readonly unknown[], shapes: StoredPlan['shapes']): PlannedLibrary {
  const imports = l.meta.imports.map((i) => loadImport(i, types, shapes));
  const exports = l.meta.exports.map((e) => loadExport(e, types));
  return { ...l, meta: loadMeta({ ...l.meta, imports, exports }) };
}

/** A plan as JSON text (what `encodePlan` writes inside its bytes). */
export function planToJson(plan: LinkPlan): string {
  const t = new TypeTable();
  const shapes = new ShapeTable();
  const libraries = plan.libraries.map((l) => storeLibrary(l, t, shapes));
  const stored: StoredPlan = { ...plan, types: t.types, shapes: shapes.shapes, libraries };
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
    !Array.isArray(raw.shapes) ||
    !Array.isArray(raw.libraries)
  )
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: a field of its header is missing or mistyped');
  raw.libraries.forEach(checkLibrary);
  const { types, shapes, libraries, ...stored } = raw as unknown as StoredPlan;
  try {
    return { ...stored, libraries: libraries.map((l) => loadLibrary(l, types, shapes)) };
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
