import { isDlError } from '@dl/errors';
import { resolveFlags } from '../flags.js';
import type { Linker } from '../linker.js';
import type { PlanHooks } from '../load/job.js';
import type { LinkState } from '../state.js';
import type { DlopenFlags, Handle, LibrarySource, LoadOptions } from '../types.js';
import { decodePlan, encodePlan } from './codec.js';
import type { LinkPlan, PlanStore } from './plan.js';
import { boundDigest, fingerprint, layoutOf, outcomeOf, planOf } from './record.js';
import type { Recording } from './record.js';
import { gatherSources, replayHooks } from './replay.js';

/** Options of {@link linkWithPlan}. */
export interface PlanOptions extends LoadOptions {
  /** A plan to replay: one `linkWithPlan` returned, or its bytes (`encodePlan`). */
  readonly plan?: LinkPlan | Uint8Array | null | undefined;
  /** Where plans are kept: read under `key` when no `plan` is given, written after a normal link. */
  readonly store?: PlanStore | undefined;
  /** The plan's name in the store (default `"default"`). */
  readonly key?: string | undefined;
}

/** What {@link linkWithPlan} did. */
export interface PlannedLoad {
  /** One handle per source, as `load` returns them. */
  readonly handles: Handle[];
  /** The plan of this link (the one replayed, or the one just recorded); null when it cannot have one. */
  readonly plan: LinkPlan | null;
  /** Whether the plan was replayed (false: a normal link, which recorded `plan`). */
  readonly replayed: boolean;
  /** Why a plan given (or found in the store) was not replayed. */
  readonly stale?: string;
  /** Why the plan just recorded is not in the store: the store refused it (`DL_LIMIT`, a bounded store); the link itself stands. */
  readonly notStored?: string;
}

/** The hooks of a load that records its plan, and what they fill. */
export function recording(linker: Linker): { rec: Recording; hooks: PlanHooks } {
  const rec: Recording = { fingerprint: '', order: [], outcomes: [], layout: '', bound: '' };
  const hooks: PlanHooks = {
    found: (order) => {
      rec.fingerprint = fingerprint(linker.linkState);
      rec.order = order;
    },
    bound: (state, libs) => {
      rec.outcomes = libs.map((l) => outcomeOf(l));
      rec.layout = layoutOf(state);
      rec.bound = boundDigest(state);
    },
  };
  return { rec, hooks };
}

/** A normal link that records its plan. */
async function record(
  linker: Linker,
  sources: readonly LibrarySource[],
  flags: ReturnType<typeof resolveFlags>,
  options: LoadOptions,
): Promise<{ handles: Handle[]; plan: LinkPlan | null }> {
  const { rec, hooks } = recording(linker);
  const { handles, result } = await linker.loadPlanned(sources, flags, hooks, options);
  return { handles, plan: await planOf(rec, flags, result.roots, result.loaded) };
}

/** Why a plan cannot be replayed on this linker now, or null when it may be (its hashes are checked next). */
export function unfit(state: LinkState, plan: LinkPlan, flags: ReturnType<typeof resolveFlags>): string | null {
  if (JSON.stringify(plan.flags) !== JSON.stringify(flags)) return 'other flags';
  if (fingerprint(state) !== plan.fingerprint)
    return 'the linker differs (program, host functions, limits or libraries resident before the load)';
  return null;
}

/** A plan given as an option (its bytes decoded); undefined when none was given and it comes from the store. */
export function givenPlan(options: { readonly plan?: LinkPlan | Uint8Array | null | undefined }): LinkPlan | undefined {
  const given = options.plan;
  if (given instanceof Uint8Array) return decodePlan(given);
  return given ?? undefined;
}

/** Why a stored plan is dropped (the store or the decoder refused its record: a {@link DROPPED} code); anything else is rethrown. */
export function droppedBecause(e: unknown): string {
  if (!isDlError(e) || !DROPPED.has(e.code)) throw e;
  return `the stored plan was dropped: ${e.message}`;
}

/** The plan to try: given, or read from the store (a damaged stored plan is dropped and said so). */
async function planToTry(options: PlanOptions): Promise<{ plan: LinkPlan | null; stale?: string }> {
  const given = givenPlan(options);
  if (given !== undefined) return { plan: given };
  const store = options.store;
  if (store === undefined) return { plan: null };
  const key = options.key ?? 'default';
  try {
    const bytes = await store.get(key);
    return { plan: bytes === undefined ? null : decodePlan(bytes) };
  } catch (e) {
    const stale = droppedBecause(e);
    await store.delete(key);
    return { plan: null, stale };
  }
}

/** What a store's record or its bytes may be refused with: the plan is dropped and the libraries linked normally. */
export const DROPPED: ReadonlySet<string> = new Set(['DL_PLAN_CORRUPT', 'DL_PLAN_FOREIGN', 'DL_LIMIT']);

/** Writes a recorded plan; a store's `DL_LIMIT` (a bounded store refusing it) leaves the link as it is and is said. */
async function save(options: PlanOptions, plan: LinkPlan): Promise<{ notStored?: string }> {
  try {
    await options.store!.put(options.key ?? 'default', encodePlan(plan));
    return {};
  } catch (e) {
    if (isDlError(e) && e.code === 'DL_LIMIT') return { notStored: e.message };
    throw e;
  }
}

/**
 * Replays a plan when it fits, else a normal link; null when it does not fit (and why).
 * A plan that fits is replayed without reading metadata, walking the loader, building the
 * check's lookups or checking signatures; every library's placement, bindings and GOT values
 * are compared with the plan before anything runs (a difference rolls the replay back).
 */
async function replay(
  linker: Linker,
  plan: LinkPlan,
  sources: readonly LibrarySource[],
  flags: ReturnType<typeof resolveFlags>,
  options: LoadOptions,
): Promise<{ handles: Handle[] } | { stale: string }> {
  const why = unfit(linker.linkState, plan, flags);
  if (why !== null) return { stale: why };
  try {
    const found = await gatherSources(linker.linkState, plan, sources, { signal: options.signal });
    return await linker.loadPlanned(sources, flags, replayHooks(plan, found), options);
  } catch (e) {
    if (isDlError(e) && e.code === 'DL_PLAN_STALE') return { stale: e.message };
    throw e;
  }
}

/**
 * Loads libraries like `linker.load`, with a **link plan**: the outcome of the link (placement,
 * table layout, GOT values, bindings, PLT imports, initialisation order) recorded on the first
 * link and replayed on later starts. A plan is keyed by the libraries' content hashes (SHA-256),
 * the flags and the linker's state (program kind, host functions and their types, limits,
 * libraries resident before): anything different and the plan is not replayed — the libraries
 * are linked normally and a new plan is recorded; a plan never gives a wrong link.
 *
 * With a `store`, the plan is read from it (under `key`) and a newly recorded one is written.
 *
 * @param sources - as for `load`: names for the loader, `{ name, bytes }` (or `{ name, module }`,
 *   which can be replayed only from a loader whose key is the content hash)
 * @param flags - as for `load` (default global)
 * @throws DlError `DL_PLAN_FOREIGN` or `DL_PLAN_CORRUPT` for plan bytes given that are no plan
 *   (a damaged plan in a store, or a record the store refuses with `DL_PLAN_CORRUPT`,
 *   `DL_PLAN_FOREIGN` or `DL_LIMIT`, is dropped instead); otherwise what `load` throws
 */
export async function linkWithPlan(
  linker: Linker,
  sources: readonly LibrarySource[],
  flags?: DlopenFlags,
  options: PlanOptions = {},
): Promise<PlannedLoad> {
  const f = resolveFlags(flags ?? { scope: 'global' });
  const tried = await planToTry(options);
  let stale = tried.stale;
  if (tried.plan !== null) {
    const out = await replay(linker, tried.plan, sources, f, options);
    if ('handles' in out) return { handles: out.handles, plan: tried.plan, replayed: true };
    stale = out.stale;
  }
  const { handles, plan } = await record(linker, sources, f, options);
  const stored = plan !== null && options.store !== undefined ? await save(options, plan) : {};
  return { handles, plan, replayed: false, ...(stale === undefined ? {} : { stale }), ...stored };
}
