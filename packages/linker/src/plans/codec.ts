import { DlError } from '@dl/errors';
import type { LinkPlan, PlannedLibrary, StoredMeta } from './plan.js';
import { loadMeta, PLAN_FORMAT, PLAN_VERSION, storeMeta } from './plan.js';

/**
 * Plans are UTF-8 JSON (a snapshot is a plan plus memory, see snapshot.ts): readable, diffable,
 * and decoded by the engine's fastest parser. Big integers (i64 constant initialisers of
 * exported globals) are written as `{"$i64": "…"}`.
 */
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? { $i64: value.toString() } : value;

const reviver = (_key: string, value: unknown): unknown =>
  typeof value === 'object' && value !== null && typeof (value as { $i64?: unknown }).$i64 === 'string'
    ? BigInt((value as { $i64: string }).$i64)
    : value;

type StoredLibrary = Omit<PlannedLibrary, 'meta'> & { readonly meta: StoredMeta };
type StoredPlan = Omit<LinkPlan, 'libraries'> & { readonly libraries: readonly StoredLibrary[] };

/** A plan as JSON text (what `encodePlan` writes inside its bytes). */
export function planToJson(plan: LinkPlan): string {
  const stored: StoredPlan = { ...plan, libraries: plan.libraries.map((l) => ({ ...l, meta: storeMeta(l.meta) })) };
  return JSON.stringify(stored, replacer);
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
    raw = JSON.parse(text, reviver);
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
    throw new DlError('DL_PLAN_FOREIGN', `link plan version ${String(raw.version)}; this linker reads version ${PLAN_VERSION}`);
  if (
    typeof raw.fingerprint !== 'string' ||
    typeof raw.bound !== 'string' ||
    !isObject(raw.flags) ||
    !Array.isArray(raw.roots) ||
    !Array.isArray(raw.libraries)
  )
    throw new DlError('DL_PLAN_CORRUPT', 'link plan: a field of its header is missing or mistyped');
  raw.libraries.forEach(checkLibrary);
  const stored = raw as unknown as StoredPlan;
  return { ...stored, libraries: stored.libraries.map((l) => ({ ...l, meta: loadMeta(l.meta) })) };
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
