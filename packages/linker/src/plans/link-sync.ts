import { isDlError } from '@dl/errors';
import { resolveFlags } from '../flags.js';
import type { Linker } from '../linker.js';
import type { DlopenFlags, Handle, LibrarySource } from '../types.js';
import { decodePlan, encodePlan } from './codec.js';
import { droppedBecause, givenPlan, recording, unfit } from './link.js';
import type { PlannedLoad } from './link.js';
import type { LinkPlan, SyncPlanStore } from './plan.js';
import { planOfSync } from './record.js';
import { gatherSourcesSync, replayHooks } from './replay.js';

/** Options of {@link linkWithPlanSync}. */
export interface SyncPlanOptions {
  /** A plan to replay: one `linkWithPlan` or `linkWithPlanSync` returned, or its bytes (`encodePlan`). */
  readonly plan?: LinkPlan | Uint8Array | null | undefined;
  /** Where plans are kept, synchronously: `memoryPlanStore()`, `filePlanStore(dir)` of `@dl/loaders/node`. */
  readonly store?: SyncPlanStore | undefined;
  /** The plan's name in the store (default `"default"`). */
  readonly key?: string | undefined;
}

/** The plan to try, given or from the store (one the store or the decoder refuses is dropped and said so). */
function planToTry(options: SyncPlanOptions): { plan: LinkPlan | null; stale?: string } {
  const given = givenPlan(options);
  if (given !== undefined) return { plan: given };
  const store = options.store;
  if (store === undefined) return { plan: null };
  const key = options.key ?? 'default';
  try {
    const bytes = store.getSync(key);
    return { plan: bytes === undefined ? null : decodePlan(bytes) };
  } catch (e) {
    const stale = droppedBecause(e);
    store.deleteSync(key);
    return { plan: null, stale };
  }
}

/** Replays a plan that fits (its hashes checked synchronously); why not, when it does not. */
function replay(
  linker: Linker,
  plan: LinkPlan,
  sources: readonly LibrarySource[],
  flags: ReturnType<typeof resolveFlags>,
): { handles: Handle[] } | { stale: string } {
  const why = unfit(linker.linkState, plan, flags);
  if (why !== null) return { stale: why };
  try {
    const found = gatherSourcesSync(linker.linkState, plan, sources);
    return linker.loadPlannedSync(sources, flags, replayHooks(plan, found));
  } catch (e) {
    if (isDlError(e) && e.code === 'DL_PLAN_STALE') return { stale: e.message };
    throw e;
  }
}

/**
 * `linkWithPlan` for a synchronous load (`loadSync`; one source: `dlopenSync`): the same plans,
 * replayed and recorded without awaiting anything — the loader's `loadSync`, synchronous
 * compilation, SHA-256 in JavaScript (Web Crypto's is asynchronous only), a {@link SyncPlanStore}.
 * A plan recorded by either is replayed by both.
 *
 * @throws DlError `DL_PLAN_FOREIGN` or `DL_PLAN_CORRUPT` for plan bytes given that are no plan
 *   (one in a store is dropped instead); otherwise what `loadSync` throws
 */
export function linkWithPlanSync(
  linker: Linker,
  sources: readonly LibrarySource[],
  flags?: DlopenFlags,
  options: SyncPlanOptions = {},
): PlannedLoad {
  const f = resolveFlags(flags ?? { scope: 'global' });
  const tried = planToTry(options);
  let stale = tried.stale;
  if (tried.plan !== null) {
    const out = replay(linker, tried.plan, sources, f);
    if ('handles' in out) return { handles: out.handles, plan: tried.plan, replayed: true };
    stale = out.stale;
  }
  const { rec, hooks } = recording(linker);
  const { handles, result } = linker.loadPlannedSync(sources, f, hooks);
  const plan = planOfSync(rec, f, result.roots, result.loaded);
  let notStored: string | undefined;
  if (plan !== null && options.store !== undefined) {
    try {
      options.store.putSync(options.key ?? 'default', encodePlan(plan));
    } catch (e) {
      if (!isDlError(e) || e.code !== 'DL_LIMIT') throw e;
      notStored = e.message;
    }
  }
  return {
    handles,
    plan,
    replayed: false,
    ...(stale === undefined ? {} : { stale }),
    ...(notStored === undefined ? {} : { notStored }),
  };
}
