import type { DylinkInfo } from '@dl/reader';
import type { LibraryMeta } from '../metadata.js';
import type { ResolvedFlags } from '../types.js';

/** The format name every link plan (and snapshot) carries, and its version. */
export const PLAN_FORMAT = 'dl-link-plan';
export const PLAN_VERSION = 3;

/**
 * The outcome of one library's link, as recorded and as checked on a replay: where it went,
 * what each symbol import was bound to (`name=provider:definition`, or `name=plt` for an import
 * bound through the PLT or not yet), and its GOT entries' values in import order (recorded; a
 * replay checks the bindings and the whole layout, which determine them).
 */
export interface PlannedOutcome {
  readonly id: number;
  readonly memoryBase: number;
  readonly tableBase: number;
  readonly tlsBase: number | null;
  readonly bindings: readonly string[];
  readonly got: readonly (number | null)[];
}

/** A library the plan's load brought, in load order (dependencies first). */
export interface PlannedLibrary {
  readonly name: string;
  readonly key: string;
  readonly location: string | null;
  /**
   * SHA-256 of the library's head — its bytes up to the code section: types, imports, exports,
   * `dylink.0`, everything a link depends on (`sha256:` and 64 hex digits). Code and data do not
   * change a link, so a loader that gives the head and a compiled module (the loaders' cache) is
   * checked as well as one that gives the bytes.
   */
  readonly hash: string;
  /** SHA-256 of all its bytes when they were seen (a snapshot, which holds memory its code and data made, needs it), else null. */
  readonly content: string | null;
  /** The root of the load it is (index into the load's sources), or null for a NEEDED library. */
  readonly root: number | null;
  /** The planned library whose NEEDED entry found it (the loader is asked the same way on a replay). */
  readonly neededBy: number | null;
  readonly chain: readonly string[];
  /** Its NEEDED libraries: another planned library, or one resident before the load (by key). */
  readonly needed: readonly ({ readonly plan: number } | { readonly resident: string })[];
  readonly meta: LibraryMeta;
  readonly outcome: PlannedOutcome;
}

/**
 * A link plan: the outcome of one `load` — which libraries (by content hash), with which
 * flags, into which linker state (program kind, host functions and their types, what was
 * resident) — recorded on the first link and replayed on later starts. Plain data: encode it
 * with `encodePlan`, keep it in a {@link PlanStore}.
 */
export interface LinkPlan {
  readonly format: typeof PLAN_FORMAT;
  readonly version: typeof PLAN_VERSION;
  /** The linker state the load started from (program, host functions, limits, resident libraries, ids). */
  readonly fingerprint: string;
  readonly flags: ResolvedFlags;
  /** One entry per source given to the load: the planned library, or a key already resident. */
  readonly roots: readonly ({ readonly plan: number } | { readonly resident: string })[];
  readonly libraries: readonly PlannedLibrary[];
  /**
   * SHA-256 of every library's head, in plan order, each after its length (u32, little-endian):
   * a replay checks all its libraries with this one digest, and hashes them one by one only to
   * name the library that changed.
   */
  readonly heads: string;
  /** The same over every library's whole content (what a snapshot's restore checks), or null when one came without its bytes. */
  readonly contents: string | null;
  /** The memory reservations, table ranges and number of functions given a slot once every library was bound (a hash). */
  readonly layout: string;
  /** A hash of the linker's `digest()` once every library was bound, before relocations and constructors (without `__cxa_atexit` registrations and resident libraries). */
  readonly bound: string;
}

/** Where plans persist between starts: bytes by key (memory, files in node, Cache Storage in browsers). */
export interface PlanStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A {@link PlanStore} a synchronous load can use (`linkWithPlanSync`): the same, without promises. */
export interface SyncPlanStore {
  getSync(key: string): Uint8Array | undefined;
  putSync(key: string, bytes: Uint8Array): void;
  deleteSync(key: string): void;
}

/** A {@link PlanStore} in this process's memory (plans live as long as the store); synchronous too. */
export function memoryPlanStore(): PlanStore & SyncPlanStore {
  const plans = new Map<string, Uint8Array>();
  const getSync = (key: string): Uint8Array | undefined => plans.get(key);
  const putSync = (key: string, bytes: Uint8Array): void => {
    plans.set(key, bytes.slice());
  };
  const deleteSync = (key: string): void => {
    plans.delete(key);
  };
  return {
    getSync,
    putSync,
    deleteSync,
    get: (key) => Promise.resolve(getSync(key)),
    put: (key, bytes) => {
      putSync(key, bytes);
      return Promise.resolve();
    },
    delete: (key) => {
      deleteSync(key);
      return Promise.resolve();
    },
  };
}

/** A library's metadata as JSON can hold it (sets as arrays). */
export interface StoredMeta extends Omit<LibraryMeta, 'dylink' | 'slotTypes' | 'dataWritten'> {
  /** Absent from plans stored before slot types were kept. */
  readonly slotTypes?: LibraryMeta['slotTypes'];
  /** Absent from plans stored before it was kept. */
  readonly dataWritten?: number;
  readonly dylink: Omit<DylinkInfo, 'tlsExports' | 'weakImports'> & {
    readonly tlsExports: readonly string[];
    readonly weakImports: readonly string[];
  };
}

/** {@link LibraryMeta} → {@link StoredMeta}. */
export function storeMeta(meta: LibraryMeta): StoredMeta {
  return {
    ...meta,
    dylink: { ...meta.dylink, tlsExports: [...meta.dylink.tlsExports], weakImports: [...meta.dylink.weakImports] },
  };
}

/** {@link StoredMeta} → {@link LibraryMeta} (what a replay uses instead of reading the module). */
export function loadMeta(stored: StoredMeta): LibraryMeta {
  return {
    ...stored,
    // Plans stored before slot types were kept have none: a thread instantiates such a library at once.
    slotTypes: stored.slotTypes ?? null,
    // Nor what its data segments write: its whole block is zeroed, as before.
    dataWritten: stored.dataWritten ?? 0,
    imports: stored.imports,
    exports: stored.exports,
    dylink: {
      ...stored.dylink,
      tlsExports: new Set(stored.dylink.tlsExports),
      weakImports: new Set(stored.dylink.weakImports),
    },
  };
}
