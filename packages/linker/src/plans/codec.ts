import { DlError } from '@dl/errors';
import { BulkReader, BulkWriter } from './bulk.js';
import type { BulkTables } from './bulk.js';
import type { LinkPlan, PlannedLibrary, PlannedOutcome, StoredMeta } from './plan.js';
import { loadMeta, PLAN_FORMAT, PLAN_VERSION, storeMeta } from './plan.js';

/**
 * A plan's bytes (format version 3): `\0dlplan` and the version byte, the header's length (u32,
 * little-endian), the header — UTF-8 JSON: everything but the libraries' imports, exports and
 * bindings, plus the tables those use — then the bulk (bulk.ts): those records in binary. The
 * header stays readable; the bulk, most of a plan, decodes without a JSON parse (the bench set's
 * plan: 2.9 MB of JSON in version 2).
 */
const MAGIC = [0x00, 0x64, 0x6c, 0x70, 0x6c, 0x61, 0x6e]; // "\0dlplan"

/** A library in the header: its metadata and outcome without what the bulk holds. */
type StoredLibrary = Omit<PlannedLibrary, 'meta' | 'outcome'> & {
  readonly meta: Omit<StoredMeta, 'imports' | 'exports'>;
  readonly outcome: Omit<PlannedOutcome, 'bindings'>;
};
type StoredPlan = Omit<LinkPlan, 'libraries'> & BulkTables & { readonly libraries: readonly StoredLibrary[] };

function storeLibrary(l: PlannedLibrary, bulk: BulkWriter): StoredLibrary {
  const { imports, exports, ...meta } = storeMeta(l.meta);
  const { bindings, ...outcome } = l.outcome;
  bulk.add({ imports, exports, bindings });
  return { ...l, meta, outcome };
}

/**
 * A link plan as bytes, to keep in a {@link PlanStore}.
 *
 * @param plan - a plan `linkWithPlan` returned
 */
export function encodePlan(plan: LinkPlan): Uint8Array {
  const bulk = new BulkWriter();
  const libraries = plan.libraries.map((l) => storeLibrary(l, bulk));
  const stored: StoredPlan = { ...plan, ...bulk.tables(), libraries };
  const header = new TextEncoder().encode(JSON.stringify(stored));
  const body = bulk.bytes();
  const out = new Uint8Array(12 + header.length + body.length);
  out.set(MAGIC);
  out[7] = PLAN_VERSION;
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(body, 12 + header.length);
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** A wasm function or global type as a plan writes it (a later load checks signatures against it). */
function isType(t: unknown): boolean {
  const strings = (x: unknown): boolean => Array.isArray(x) && x.every((v) => typeof v === 'string');
  if (!isObject(t)) return false;
  if (t.kind === 'func') return strings(t.params) && strings(t.results);
  return typeof t.valueType === 'string' && typeof t.mutable === 'boolean';
}

/** A stored `slotTypes`: absent (older plans), null, or parallel arrays of offsets and type keys. */
function isSlotTypes(t: unknown): boolean {
  if (t === undefined || t === null) return true;
  return (
    isObject(t) &&
    Array.isArray(t.offsets) &&
    Array.isArray(t.types) &&
    t.offsets.length === t.types.length &&
    t.offsets.every((o) => Number.isInteger(o) && (o as number) >= 0) &&
    t.types.every((k) => typeof k === 'string')
  );
}

/** A stored `dataWritten`: absent (older plans) or a byte count (bytes it says need no zeroing). */
const isByteCount = (n: unknown): boolean => n === undefined || (Number.isInteger(n) && (n as number) >= 0);

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
    Array.isArray(l.meta.dylink.tlsExports) &&
    Array.isArray(l.meta.dylink.weakImports) &&
    Array.isArray(l.meta.dylink.needed) &&
    isSlotTypes(l.meta.slotTypes) &&
    isByteCount(l.meta.dataWritten) &&
    isObject(l.outcome) &&
    Array.isArray(l.outcome.got);
  if (!ok) throw new DlError('DL_PLAN_CORRUPT', `link plan: library ${i} is incomplete or mistyped`);
}

/** The header's JSON, checked field by field (what a replay reads, with its type). */
function headerOf(bytes: Uint8Array, base: number): StoredPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: its header does not decode', { offset: base, cause: e });
  }
  if (!isObject(raw) || raw.format !== PLAN_FORMAT || raw.version !== PLAN_VERSION)
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: its header names another format or version', { offset: base });
  if (
    typeof raw.fingerprint !== 'string' ||
    typeof raw.bound !== 'string' ||
    typeof raw.layout !== 'string' ||
    typeof raw.heads !== 'string' ||
    (raw.contents !== null && typeof raw.contents !== 'string') ||
    !isObject(raw.flags) ||
    !Array.isArray(raw.roots) ||
    !Array.isArray(raw.types) ||
    !raw.types.every(isType) ||
    !Array.isArray(raw.shapes) ||
    !raw.shapes.every(isObject) ||
    !Array.isArray(raw.extras) ||
    !Array.isArray(raw.libraries)
  )
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: a field of its header is missing or mistyped', { offset: base });
  raw.libraries.forEach(checkLibrary);
  return raw as unknown as StoredPlan;
}

function loadLibrary(l: StoredLibrary, bulk: BulkReader): PlannedLibrary {
  const { imports, exports, bindings } = bulk.library();
  return { ...l, meta: loadMeta({ ...l.meta, imports, exports }), outcome: { ...l.outcome, bindings } };
}

/**
 * A link plan from bytes `encodePlan` wrote (`base`: their offset in a larger file, for errors).
 *
 * @throws DlError `DL_PLAN_FOREIGN` (not a plan of this format and version), `DL_PLAN_CORRUPT` (damaged)
 */
export function decodePlan(bytes: Uint8Array, base = 0): LinkPlan {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new DlError('DL_PLAN_FOREIGN', 'not a link plan: it does not start with "\\0dlplan"', { offset: base });
  if (bytes[7] !== PLAN_VERSION)
    throw new DlError('DL_PLAN_FOREIGN', `link plan version ${bytes[7]}; this linker reads version ${PLAN_VERSION}`, {
      offset: base + 7,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.length < 12 ? Infinity : view.getUint32(8, true);
  if (12 + length > bytes.length)
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: it ends inside its header', { offset: base + 8 });
  const stored = headerOf(bytes.subarray(12, 12 + length), base + 12);
  const { types, shapes, extras, libraries, ...plan } = stored;
  try {
    const bulk = new BulkReader(bytes.subarray(12 + length), { types, shapes, extras }, base + 12 + length);
    const out: LinkPlan = { ...plan, libraries: libraries.map((l) => loadLibrary(l, bulk)) };
    bulk.end();
    return out;
  } catch (e) {
    if (e instanceof DlError && e.code === 'DL_PLAN_CORRUPT') throw e;
    throw new DlError(
      'DL_PLAN_CORRUPT',
      `link plan: its libraries do not decode: ${e instanceof Error ? e.message : String(e)}`,
      {
        offset: e instanceof DlError ? e.offset : undefined,
        cause: e,
      },
    );
  }
}
