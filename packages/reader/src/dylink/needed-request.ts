/**
 * A request for a library by a NEEDED entry (or a root): how it is remembered and how its
 * chain of dependents reads in messages. The linker and the loaders share these, so a name
 * resolves and reads the same wherever it is asked (one home, below both).
 */

/** The part of a load request these helpers read (structurally the linker's `LoadRequest`). */
export interface NeededRequest {
  /** As written in a NEEDED entry or given to `dlopen`. */
  readonly name: string;
  /** The library whose NEEDED entry asks for it; null for a root. */
  readonly parent: {
    readonly name: string;
    /** Its canonical key. */
    readonly key: string;
    /** The libraries that led to it, root first. */
    readonly chain: readonly string[];
  } | null;
}

/** At most this many dependents are named in a message (a deep chain names the nearest). */
const SHOWN_DEPENDENTS = 8;

/**
 * How a requested name is remembered: relative to who asked, since RUNTIME_PATH and relative
 * paths make the same name mean different libraries for different parents.
 */
export function requestAlias(request: NeededRequest): string {
  return `${request.parent?.key ?? ''}\u0000${request.name}`;
}

/** " (needed by B, needed by A)" for messages, nearest first (at most 8 named), or nothing for a root. */
export function neededByText(request: NeededRequest): string {
  if (request.parent === null) return '';
  const chain = [request.parent.name, ...[...request.parent.chain].reverse()];
  const shown = chain.slice(0, SHOWN_DEPENDENTS).map((n) => `needed by ${n}`);
  if (chain.length > SHOWN_DEPENDENTS) shown.push(`and ${chain.length - SHOWN_DEPENDENTS} more`);
  return ` (${shown.join(', ')})`;
}
