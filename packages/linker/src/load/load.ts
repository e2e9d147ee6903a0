import { DlError, isDlError, messageOf } from '@dl/errors';
import type { Scope } from '@dl/symbols';
import { discover, isLoaded, loadOrder } from '../discover.js';
import type { FoundLibrary } from '../discover.js';
import { Journal } from '../journal.js';
import { dropEdges } from '../keep.js';
import { hide, unhide } from '../reload.js';
import type { Pipeline } from '../ops.js';
import { check } from './check.js';
import type { Library, LinkState } from '../state.js';
import { compile } from './compile.js';
import { bindDeferred } from './deferred.js';
import { initialise } from './initialise.js';
import { instantiateAll, placeAll } from './instantiate.js';
import type { LoadJob, LoadResult } from './job.js';
import { newLibrary, publish } from './publish.js';
import { rolesOf } from './roles.js';
import type { LibraryRole } from './roles.js';
import { LoadScopes } from './scopes.js';
import { PhaseTimer } from './timing.js';

/** Step 1, "find": the libraries of the load and their load order (dependencies first). */
function* find(
  state: LinkState,
  job: LoadJob,
): Pipeline<{ readonly roots: readonly (FoundLibrary | Library)[]; readonly order: FoundLibrary[] }> {
  const found = yield* discover(state, job.roots, job.main?.found ?? null);
  if (job.flags.noload && found.found.length > 0) {
    throw new DlError('DL_NOT_LOADED', 'RTLD_NOLOAD: the library is not loaded', { library: found.found[0]!.name });
  }
  if (job.replacing !== undefined) {
    const root = found.roots[0];
    if (root === undefined || isLoaded(root))
      throw new DlError('DL_BAD_HANDLE', 'the new build is already loaded as another library', {
        library: job.replacing.library.name,
      });
    job.replacing.vet(root);
  }
  return { roots: found.roots, order: loadOrder(found) };
}

/**
 * One load, in the steps the README's "How a load works" tells: find, check, place and
 * compile, instantiate, bind what waited, make resident and initialise, commit. It runs as a
 * pipeline of operations (see ops.ts) driven synchronously or asynchronously; the state
 * changes only from placing on, every change journaled, and any failure — a runtime phase's
 * included — undoes them all.
 */
export function* load(state: LinkState, job: LoadJob): Pipeline<LoadResult> {
  const timer = new PhaseTimer();
  // A reload hides the running build while the new one loads (shown again, after the load's
  // own rollback, if it fails).
  const hidden = job.replacing === undefined ? undefined : hide(state, job.replacing.library);
  const journal = new Journal(state.got);
  state.load = journal;
  try {
    const plan = job.plan;
    const { roots, order } = plan?.replay?.(state) ?? (yield* find(state, job));
    plan?.found?.(order);
    timer.mark('resolve');
    const roleOf = rolesOf(job.main);
    const scopes = new LoadScopes(state, job.flags, order);
    // A replayed plan was checked when it was recorded (its hashes say nothing changed since).
    const visible =
      plan?.replay === undefined
        ? check(state, order, (p) => roleOf(p).scopes(scopes), job.flags.now)
        : new Map<FoundLibrary, undefined>();
    timer.mark('check');

    // From here on the shared state changes; every change is journaled.
    const promoted = scopes.commit(state, journal);
    const { libs, asLibrary } = librariesOf(state, journal, job, order, (p) => ({
      role: roleOf(p),
      group: scopes.group,
      replacing: p === roots[0] ? job.replacing?.library : undefined,
    }));
    const foundOf = new Map(libs.map((lib, i) => [lib, order[i]!]));
    let relocated = job.main === undefined;
    // Without a main in the load, every library is placed while the engine compiles (an
    // asynchronous load's compilations started when they were found): zeroing their memory and
    // the table's growth overlap the compilation. A main's allocator only exists once the main
    // is instantiated, so a load with the main places each library just before its instance.
    const placedAhead = job.main === undefined;
    if (placedAhead) placeAll(state, journal, libs);
    yield* compile(state, order, libs);
    timer.mark('compile');
    const deferred = yield* instantiateAll(
      state,
      journal,
      libs,
      (lib) => visible.get(foundOf.get(lib)!),
      () => relocated,
      placedAhead,
    );
    timer.mark('instantiate');
    bindDeferred(state, journal, deferred);
    timer.mark('bind');
    plan?.bound?.(state, libs);
    publish(state, journal, libs);
    if (plan?.restore !== undefined) {
      plan.restore(state, libs);
      relocated = true;
    } else
      initialise(state, journal, libs, promoted, () => {
        relocated = true;
      });
    timer.mark('init');
    commit(state, journal, libs, job, timer);
    return { roots: roots.map(asLibrary), loaded: libs, ...(hidden === undefined ? {} : { hidden }) };
  } catch (e) {
    const error = fail(state, journal, job, e);
    if (hidden !== undefined) unhide(state, hidden);
    throw error;
  } finally {
    state.load = null;
  }
}

/** How a found library becomes one of the load's: its role, its group, the build it replaces. */
interface LibrarySpec {
  readonly role: LibraryRole;
  readonly group: Scope | null;
  readonly replacing: Library | undefined;
}

/**
 * The load's libraries, journaled, with their NEEDED edges (a failed load takes away every edge
 * they made, to libraries already resident too); `asLibrary` gives the library of a found one.
 */
function librariesOf(
  state: LinkState,
  journal: Journal,
  job: LoadJob,
  order: readonly FoundLibrary[],
  specOf: (p: FoundLibrary) => LibrarySpec,
): { libs: Library[]; asLibrary: (d: FoundLibrary | Library) => Library } {
  const libs = order.map((p) => {
    const { role, group, replacing } = specOf(p);
    return newLibrary(state, p, role, job.flags, group, replacing);
  });
  for (const lib of libs) journal.libraries.set(lib.id, lib);
  journal.record(() => {
    for (const lib of libs) dropEdges(lib);
  });
  const libOf = new Map(order.map((p, i) => [p, libs[i]!]));
  const asLibrary = (d: FoundLibrary | Library): Library => (isLoaded(d) ? d : libOf.get(d)!);
  libs.forEach((lib, i) => {
    lib.needed = order[i]!.needed.map(asLibrary);
  });
  return { libs, asLibrary };
}

function rootNames(job: LoadJob): string[] {
  return job.roots.map((r) => (typeof r === 'string' ? r : r.name));
}

/** Step 7, "commit": the changes are kept; the load is reported. */
function commit(state: LinkState, journal: Journal, libs: readonly Library[], job: LoadJob, timer: PhaseTimer): void {
  for (const lib of libs) if (lib.isMain) state.main = lib;
  journal.commit();
  const names = rootNames(job);
  state.emit({
    type: 'done',
    roots: names,
    libraries: libs.length,
    loaded: libs.map((l) => ({ id: l.id, name: l.name, global: l.global, handle: l.handle })),
    ms: timer.elapsed(),
    phases: timer.phases,
  });
  state.trace?.(
    `loaded ${names.join(', ')}: ${libs.map((l) => `${l.name}@${l.memoryBase}`).join(' ')} in ${timer.elapsed().toFixed(1)} ms`,
  );
}

/** A failed load: everything undone, the failure reported, the error (a DlError) returned to throw. */
function fail(state: LinkState, journal: Journal, job: LoadJob, e: unknown): DlError {
  journal.rollback();
  const err = isDlError(e) ? e : new DlError('DL_INSTANTIATE_FAILED', messageOf(e), { cause: e });
  const names = rootNames(job);
  state.emit({ type: 'failed', roots: names, code: err.code, message: err.message });
  state.trace?.(`failed ${names.join(', ')}: ${err.message}`);
  return err;
}
