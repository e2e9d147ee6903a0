/** A compiled library kept for reuse: the module (or its compilation under way), its head and size. */
export interface CachedModule {
  readonly module: WebAssembly.Module | Promise<WebAssembly.Module>;
  /** The bytes before the code section: everything the linker reads. */
  readonly head: Uint8Array;
  /** The whole module's size in bytes. */
  readonly size: number;
}

/** Counters for tests, benchmarks and dashboards. */
export interface ModuleCacheStats {
  /** Lookups answered from the cache (a compilation under way counts: it is shared). */
  readonly hits: number;
  readonly misses: number;
  /** Compilations stored (loaders store each compilation they start). */
  readonly compilations: number;
  readonly entries: number;
  /** Sum of the cached modules' sizes. */
  readonly bytes: number;
}

/** Limits of a {@link ModuleCache}; the least recently used entries go first. */
export interface ModuleCacheOptions {
  /** Default 4096. */
  readonly maxEntries?: number;
  /** Sum of module sizes, default 1 GiB. */
  readonly maxBytes?: number;
}

/**
 * An in-process cache of compiled modules, keyed by what identifies a library's content: a
 * content hash (`sha256:…`), a file's identity and modification (`file:…`) or a URL and its
 * validator (`url:…`). A library loaded by two linkers, in two scopes, or reloaded, is compiled
 * once: a compilation is stored when it starts, so concurrent requests share it; one that
 * fails is dropped.
 */
export class ModuleCache {
  private readonly entries = new Map<string, CachedModule>();
  /** Entries being made (a file being read, a response whose head has not arrived), by key. */
  private readonly making = new Map<string, Promise<CachedModule>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;
  private counts = { hits: 0, misses: 0, compilations: 0 };

  constructor(options: ModuleCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 4096;
    this.maxBytes = options.maxBytes ?? 2 ** 30;
  }

  /** The entry for a key (and marks it recently used), counting a hit or a miss. */
  get(key: string): CachedModule | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Stores a compilation (finished or under way) and counts it; evicts the least recently
   * used entries beyond the limits. Returns the entry.
   */
  store(key: string, entry: CachedModule): CachedModule {
    this.counts.compilations++;
    this.put(key, entry);
    const { module } = entry;
    if (module instanceof Promise) {
      module.then(
        (m) => {
          if (this.entries.get(key) === entry) this.entries.set(key, { ...entry, module: m });
        },
        () => {
          if (this.entries.get(key) === entry) this.delete(key);
        },
      );
    }
    return entry;
  }

  /**
   * The entry for a key, made at most once however many ask at the same time: an entry
   * already there, or one being made by another caller (another loader, another linker), is a
   * hit; otherwise `make` runs (a miss), and what it gives is stored. A failed `make` stores
   * nothing, and the next caller tries again.
   */
  async share(
    key: string,
    make: () => Promise<CachedModule>,
  ): Promise<{ readonly entry: CachedModule; readonly hit: boolean }> {
    const made = this.making.get(key);
    if (made !== undefined) {
      try {
        const entry = await made;
        this.counts.hits++;
        return { entry, hit: true };
      } catch {
        // The maker failed (or was cancelled): this caller makes its own.
        return this.share(key, make);
      }
    }
    const entry = this.get(key);
    if (entry !== undefined) return { entry, hit: true };
    const making = make().then((e) => this.store(key, e));
    this.making.set(key, making);
    try {
      return { entry: await making, hit: false };
    } finally {
      this.making.delete(key);
    }
  }

  /** Drops one entry. */
  delete(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): ModuleCacheStats {
    return { ...this.counts, entries: this.entries.size, bytes: this.bytes };
  }

  private put(key: string, entry: CachedModule): void {
    this.delete(key);
    this.entries.set(key, entry);
    this.bytes += entry.size;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (k === key) continue;
      this.entries.delete(k);
      this.bytes -= e.size;
    }
  }
}

let shared: ModuleCache | undefined;

/** The process-wide cache loaders use unless given another (or `null` for none). */
export function sharedModuleCache(): ModuleCache {
  return (shared ??= new ModuleCache());
}
