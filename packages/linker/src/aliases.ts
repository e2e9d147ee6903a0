/**
 * The names loaders resolved, to the key each resolved to (`dlopen("libz.so")` → the loader's
 * key for the file it found), indexed both ways: a library that goes forgets its names at the
 * cost of its own names, never a scan of every name ever resolved.
 */
export class AliasTable {
  private readonly keyOf = new Map<string, string>();
  private readonly namesOf = new Map<string, Set<string>>();

  /** The key a name resolved to, if it did. */
  get(name: string): string | undefined {
    return this.keyOf.get(name);
  }

  /** Records that `name` resolves to `key` (replacing what it resolved to before). */
  set(name: string, key: string): void {
    const before = this.keyOf.get(name);
    if (before === key) return;
    if (before !== undefined) this.unlink(name, before);
    this.keyOf.set(name, key);
    let names = this.namesOf.get(key);
    if (names === undefined) this.namesOf.set(key, (names = new Set()));
    names.add(name);
  }

  /** Forgets every name that resolves to `key`; returns them as `[name, key]` pairs (to restore with {@link AliasTable.set}). */
  forgetKey(key: string): [string, string][] {
    const names = this.namesOf.get(key);
    if (names === undefined) return [];
    this.namesOf.delete(key);
    const out: [string, string][] = [];
    for (const name of names) {
      this.keyOf.delete(name);
      out.push([name, key]);
    }
    return out;
  }

  private unlink(name: string, key: string): void {
    const names = this.namesOf.get(key);
    names?.delete(name);
    if (names?.size === 0) this.namesOf.delete(key);
  }
}
